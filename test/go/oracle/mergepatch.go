package main

// OpenKruise pins github.com/evanphx/json-patch v5.6.0+incompatible; Debian ships the same
// package at v5.2.0. For MergePatch the two differ in one line of merge.go: v5.2.0's
// pruneAryNulls drops bare null array items, v5.6.0 keeps them (mergeMerge, the other change,
// only concerns MergeMergePatches). pruneAryNulls only ever runs over arrays of the patch, so
// writing every bare null item of a patch array as a unique string (which no pruning touches and
// every path copies as raw text) and turning it back afterwards gives v5.6.0's bytes from
// v5.2.0.

import (
	"bytes"
	"encoding/json"

	jsonpatch "github.com/evanphx/json-patch"
)

const nullMark = `"\u0000v5.6.0 keeps this null"`

// markArrayNulls rewrites the bare `null` items of every array in a valid JSON text.
func markArrayNulls(text []byte) []byte {
	var out bytes.Buffer
	var stack []byte // '[' or '{'
	inString, escaped := false, false
	expectItem := false // inside an array, before an item
	for i := 0; i < len(text); i++ {
		c := text[i]
		if inString {
			out.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			out.WriteByte(c)
			continue
		case '[', '{':
			stack = append(stack, c)
			expectItem = c == '['
			out.WriteByte(c)
			continue
		case ']', '}':
			stack = stack[:len(stack)-1]
		case ',':
			expectItem = len(stack) > 0 && stack[len(stack)-1] == '['
			out.WriteByte(c)
			continue
		case '"':
			inString = true
		case 'n':
			if expectItem && bytes.HasPrefix(text[i:], []byte("null")) {
				out.WriteString(nullMark)
				i += 3
				expectItem = false
				continue
			}
		}
		expectItem = false
		out.WriteByte(c)
	}
	return out.Bytes()
}

// mergePatch560 is jsonpatch.MergePatch as v5.6.0 computes it.
func mergePatch560(doc, patch string) (string, error) {
	p := []byte(patch)
	if json.Valid(p) {
		p = markArrayNulls(p)
	}
	out, err := jsonpatch.MergePatch([]byte(doc), p)
	if err != nil {
		return "", err
	}
	return string(bytes.ReplaceAll(out, []byte(nullMark), []byte("null"))), nil
}
