// Command oracle checks golden cases against the Go libraries OpenKruise uses: for every case
// folder with a `go-oracle` file (one check name per line) it recomputes, with encoding/json and
// github.com/evanphx/json-patch, the pod annotations the check names and compares them with the
// case's expected-pod.json (or its expected-error.txt). All SidecarSets of such a case must
// match its pod.
//
//	patch-metadata       patchPodMetadata (Retain, Overwrite, MergePatchJson via MergePatch)
//	hash-annotations     other SidecarSets' entries of kruise.io/sidecarset-hash(-without-image)
//	hot-upgrade-working  kruise.io/sidecarset-working-hotupgrade-container
//
// usage: oracle CASE_DIR...   (prints one line per check and "N passed, M failed")
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	yaml "gopkg.in/yaml.v2"
)

const (
	hashKey         = "kruise.io/sidecarset-hash"
	hashNoImageKey  = "kruise.io/sidecarset-hash-without-image"
	workingHotKey   = "kruise.io/sidecarset-working-hotupgrade-container"
	mergePatchJSON  = "MergePatchJson"
	overwritePolicy = "Overwrite"
)

type caseData struct {
	dir         string
	pod         map[string]interface{}
	sidecarSets []map[string]interface{} // name order
	expected    map[string]string       // expected pod annotations
	expectedErr string                  // "" unless the case is a denial
}

// get walks nested YAML maps; nil when a step is missing.
func get(v interface{}, path ...string) interface{} {
	for _, p := range path {
		m, ok := v.(map[interface{}]interface{})
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func str(v interface{}) string {
	s, _ := v.(string)
	return s
}

func stringMap(v interface{}) map[string]string {
	out := map[string]string{}
	if m, ok := v.(map[interface{}]interface{}); ok {
		for k, val := range m {
			out[fmt.Sprint(k)] = str(val)
		}
	}
	return out
}

func list(v interface{}) []interface{} {
	l, _ := v.([]interface{})
	return l
}

func load(dir string) (*caseData, error) {
	c := &caseData{dir: dir}
	podText, err := os.ReadFile(filepath.Join(dir, "pod.yaml"))
	if err != nil {
		return nil, err
	}
	var pod interface{}
	if err := yaml.Unmarshal(podText, &pod); err != nil {
		return nil, err
	}
	c.pod = map[string]interface{}{"doc": pod}
	f, err := os.Open(filepath.Join(dir, "sidecarsets.yaml"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	for {
		var doc interface{}
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		if str(get(doc, "kind")) == "SidecarSet" {
			c.sidecarSets = append(c.sidecarSets, map[string]interface{}{"doc": doc})
		}
	}
	sort.Slice(c.sidecarSets, func(i, j int) bool {
		return str(get(c.sidecarSets[i]["doc"], "metadata", "name")) <
			str(get(c.sidecarSets[j]["doc"], "metadata", "name"))
	})
	if text, err := os.ReadFile(filepath.Join(dir, "expected-error.txt")); err == nil {
		c.expectedErr = strings.TrimRight(string(text), "\n")
		return c, nil
	}
	text, err := os.ReadFile(filepath.Join(dir, "expected-pod.json"))
	if err != nil {
		return nil, err
	}
	var expected struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(text, &expected); err != nil {
		return nil, err
	}
	c.expected = expected.Metadata.Annotations
	return c, nil
}

func (c *caseData) podDoc() interface{} { return c.pod["doc"] }

// patchMetadata is sidecarcontrol.PatchPodMetadata over every SidecarSet, in name order; it
// returns the annotations and the keys it wrote, or the SidecarSet's error.
func (c *caseData) patchMetadata() (map[string]string, map[string]bool, error) {
	return c.patchMetadataOn(stringMap(get(c.podDoc(), "metadata", "annotations")))
}

func (c *caseData) patchMetadataOn(anns map[string]string) (map[string]string, map[string]bool, error) {
	touched := map[string]bool{}
	for _, ss := range c.sidecarSets {
		for _, p := range list(get(ss["doc"], "spec", "patchPodMetadata")) {
			policy := str(get(p, "patchPolicy"))
			for k, v := range stringMap(get(p, "annotations")) {
				touched[k] = true
				origin, ok := anns[k]
				switch {
				case policy == overwritePolicy:
					anns[k] = v
				case policy == mergePatchJSON && ok && origin != "":
					merged, err := mergePatch560(origin, v)
					if err != nil {
						return nil, nil, err
					}
					anns[k] = merged
				case policy == mergePatchJSON:
					anns[k] = v
				case !ok: // Retain or ""
					anns[k] = v
				}
			}
		}
	}
	return anns, touched, nil
}

func sameJSON(a, b string) bool {
	var x, y interface{}
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func checkPatchMetadata(c *caseData) error {
	anns, touched, err := c.patchMetadata()
	if err != nil {
		if c.expectedErr == "" || !strings.HasSuffix(c.expectedErr, ": "+err.Error()) {
			return fmt.Errorf("MergePatch fails with %q; expected-error.txt has %q", err, c.expectedErr)
		}
		return nil
	}
	if c.expectedErr != "" {
		return fmt.Errorf("Go merges without error; expected-error.txt has %q", c.expectedErr)
	}
	original := stringMap(get(c.podDoc(), "metadata", "annotations"))
	again := map[string]string{}
	for k, v := range anns {
		again[k] = v
	}
	reinvoked, _, err := c.patchMetadataOn(again)
	if err != nil {
		return fmt.Errorf("reinvoked: %v", err)
	}
	for k := range touched {
		got, want := c.expected[k], anns[k]
		// The deliberate differences (docs/compatibility.md): what OpenKruise writes when
		// reinvoked on its own output, where that differs; and a merge that changes nothing
		// keeps the existing text.
		if got != want && got != reinvoked[k] && !(got == original[k] && sameJSON(want, got)) {
			return fmt.Errorf("annotation %s: Go %q (reinvoked %q), expected-pod.json %q", k, want,
				reinvoked[k], got)
		}
	}
	return nil
}

func checkHashAnnotations(c *caseData) error {
	anns, _, err := c.patchMetadata()
	if err != nil {
		return err
	}
	ns := str(get(c.podDoc(), "metadata", "namespace"))
	name := str(get(c.podDoc(), "metadata", "name"))
	ours := map[string]bool{}
	for _, ss := range c.sidecarSets {
		ours[str(get(ss["doc"], "metadata", "name"))] = true
	}
	decoded := map[string]map[string]SidecarSetUpgradeSpec{}
	for _, key := range []string{hashKey, hashNoImageKey} { // buildSidecars' order
		specs, err := decodeUpgradeSpecs(anns, ns, name, key)
		if err != nil {
			if c.expectedErr != err.Error() {
				return fmt.Errorf("Go denies with %q; expected-error.txt has %q", err, c.expectedErr)
			}
			return nil
		}
		decoded[key] = specs
	}
	if c.expectedErr != "" {
		return fmt.Errorf("Go decodes both annotations; expected-error.txt has %q", c.expectedErr)
	}
	for _, key := range []string{hashKey, hashNoImageKey} {
		specs := decoded[key]
		var got map[string]json.RawMessage
		if err := json.Unmarshal([]byte(c.expected[key]), &got); err != nil {
			return fmt.Errorf("expected %s: %v", key, err)
		}
		// This review's own entries come from the expected bytes; every other entry is what
		// json.Marshal prints for what json.Unmarshal read.
		rebuilt := map[string]json.RawMessage{}
		for k, v := range got {
			if ours[k] {
				rebuilt[k] = v
			}
		}
		for k, spec := range specs {
			if ours[k] {
				continue
			}
			b, err := json.Marshal(spec)
			if err != nil {
				return err
			}
			rebuilt[k] = b
		}
		want, err := json.Marshal(rebuilt)
		if err != nil {
			return err
		}
		if string(want) != c.expected[key] {
			return fmt.Errorf("%s: Go %s, expected-pod.json %s", key, want, c.expected[key])
		}
	}
	return nil
}

func checkHotUpgradeWorking(c *caseData) error {
	anns, _, err := c.patchMetadata()
	if err != nil {
		return err
	}
	// GetPodHotUpgradeInfoInAnnotations ignores the error and keeps what Unmarshal filled in.
	working := make(map[string]string)
	if current, ok := anns[workingHotKey]; ok {
		_ = json.Unmarshal([]byte(current), &working)
	}
	for _, ss := range c.sidecarSets {
		for _, ic := range list(get(ss["doc"], "spec", "initContainers")) {
			if str(get(ic, "restartPolicy")) == "Always" &&
				str(get(ic, "upgradeStrategy", "upgradeType")) == "HotUpgrade" {
				working[str(get(ic, "name"))] = str(get(ic, "name")) + "-1"
			}
		}
		for _, sc := range list(get(ss["doc"], "spec", "containers")) {
			if str(get(sc, "upgradeStrategy", "upgradeType")) == "HotUpgrade" {
				working[str(get(sc, "name"))] = str(get(sc, "name")) + "-1"
			}
		}
	}
	want, err := json.Marshal(working)
	if err != nil {
		return err
	}
	if string(want) != c.expected[workingHotKey] {
		return fmt.Errorf("%s: Go %s, expected-pod.json %s", workingHotKey, want, c.expected[workingHotKey])
	}
	return nil
}

var checks = map[string]func(*caseData) error{
	"patch-metadata":      checkPatchMetadata,
	"hash-annotations":    checkHashAnnotations,
	"hot-upgrade-working": checkHotUpgradeWorking,
}

func main() {
	passed, failed := 0, 0
	report := func(name string, err error) {
		if err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", name, err)
		} else {
			passed++
			fmt.Printf("ok   %s\n", name)
		}
	}
	for _, dir := range os.Args[1:] {
		wanted, err := os.ReadFile(filepath.Join(dir, "go-oracle"))
		if err != nil {
			continue
		}
		c, err := load(dir)
		if err != nil {
			report(filepath.Base(dir), err)
			continue
		}
		for _, name := range strings.Fields(string(bytes.TrimSpace(wanted))) {
			check, ok := checks[name]
			if !ok {
				report(filepath.Base(dir)+" "+name, fmt.Errorf("unknown check"))
				continue
			}
			report(filepath.Base(dir)+" "+name, check(c))
		}
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 || passed == 0 {
		os.Exit(1)
	}
}
