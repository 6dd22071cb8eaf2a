package main

import "testing"

// The v5.6.0 emulation on top of Debian's v5.2.0: bare null items of patch arrays stay, and
// nothing else changes.
func TestMergePatch560(t *testing.T) {
	cases := []struct{ doc, patch, want string }{
		{`{"a":1}`, `{"b":[1,null,{"c":null}]}`, `{"a":1,"b":[1,null,{}]}`},
		{`{"a":1}`, `[null, {"c":null}]`, `[null,{}]`},
		{`{"a":{"x":1}}`, `{"a":[null,{"c":null}]}`, `{"a":[null,{"c":null}]}`},
		{`{"a":1}`, `{"b":{"c":null,"d":[null,"null",[null]]}}`, `{"a":1,"b":{"d":[null,"null",[null]]}}`},
		{`{"a":[null]}`, `{"b":"[null, null]"}`, `{"a":[null],"b":"[null, null]"}`},
	}
	for _, c := range cases {
		got, err := mergePatch560(c.doc, c.patch)
		if err != nil || got != c.want {
			t.Errorf("MergePatch(%s, %s) = %s, %v; want %s", c.doc, c.patch, got, err, c.want)
		}
	}
	if got := string(markArrayNulls([]byte(`{"a":null,"b":[ null ,"n\"ull"],"c":[[null]]}`))); got !=
		`{"a":null,"b":[ `+nullMark+` ,"n\"ull"],"c":[[`+nullMark+`]]}` {
		t.Errorf("markArrayNulls: %s", got)
	}
}
