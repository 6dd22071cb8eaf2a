package main

import (
	"encoding/json"
	"fmt"
	"time"
)

// Time has the two JSON methods of k8s.io/apimachinery v0.32 pkg/apis/meta/v1/time.go
// (metav1.Time), which is not packaged in Debian; the rest is encoding/json and time.
type Time struct{ time.Time }

func (t *Time) UnmarshalJSON(b []byte) error {
	if len(b) == 4 && string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	pt, err := time.Parse(time.RFC3339, str)
	if err != nil {
		return err
	}
	t.Time = pt.Local()
	return nil
}

func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	buf := make([]byte, 0, len(time.RFC3339)+2)
	buf = append(buf, '"')
	buf = t.UTC().AppendFormat(buf, time.RFC3339)
	buf = append(buf, '"')
	return buf, nil
}

// SidecarSetUpgradeSpec as declared in OpenKruise pkg/control/sidecarcontrol/util.go.
type SidecarSetUpgradeSpec struct {
	UpdateTimestamp              Time     `json:"updateTimestamp"`
	SidecarSetHash               string   `json:"hash"`
	SidecarSetName               string   `json:"sidecarSetName"`
	SidecarList                  []string `json:"sidecarList"`
	SidecarSetControllerRevision string   `json:"controllerRevision,omitempty"`
}

// decodeUpgradeSpecs is the start of buildSidecars (pkg/webhook/pod/mutating/sidecarset.go):
// the struct map, else the older map[string]string, whose error is the one reported.
func decodeUpgradeSpecs(pod map[string]string, namespace, name, key string) (map[string]SidecarSetUpgradeSpec, error) {
	specs := make(map[string]SidecarSetUpgradeSpec)
	oldHashStr := pod[key]
	if len(oldHashStr) == 0 {
		return specs, nil
	}
	if err := json.Unmarshal([]byte(oldHashStr), &specs); err != nil {
		older := make(map[string]string)
		if err = json.Unmarshal([]byte(oldHashStr), &older); err != nil {
			return nil, fmt.Errorf("pod(%s/%s) invalid annotations[%s] value %v, unmarshal failed: %v",
				namespace, name, key, oldHashStr, err)
		}
		for k, v := range older {
			specs[k] = SidecarSetUpgradeSpec{SidecarSetHash: v, SidecarSetName: k}
		}
	}
	return specs, nil
}
