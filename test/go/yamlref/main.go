// Command yamlref prints how Kubernetes reads manifest files: each file is split into documents
// as kubectl splits them (k8s.io/apimachinery's YAMLReader: a line starting with "---"), and each
// YAML document is converted with sigs.k8s.io/yaml.YAMLToJSON over gopkg.in/yaml.v2, the path
// of kubectl and of the API server for YAML bodies. A file starting with '{' or '[' is JSON, as
// kubectl's YAMLOrJSONDecoder sniffs it. The output is the reference that test/go/yaml_check.cpp
// compares the project's reader with.
//
// usage: yamlref FILE...   (one line per document of each file, counted from 0:
//
//	FILE<TAB>N<TAB>doc<TAB>JSON
//	FILE<TAB>N<TAB>null            an empty document
//	FILE<TAB>N<TAB>error<TAB>MSG   a document that fails to convert)
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

// splitDocuments follows apimachinery's YAMLReader.Read: a line that starts with "---" ends a
// document; only spaces and a comment may follow the marker.
func splitDocuments(data []byte) ([][]byte, error) {
	var docs [][]byte
	var buffer bytes.Buffer
	r := bufio.NewReader(bytes.NewReader(data))
	for {
		line, err := r.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, err
		}
		if bytes.HasPrefix(line, []byte("---")) {
			trimmed := strings.TrimSpace(string(line[3:]))
			if len(trimmed) > 0 && trimmed[0] != '#' {
				return nil, fmt.Errorf("invalid Yaml document separator: %s", trimmed)
			}
			if buffer.Len() != 0 {
				docs = append(docs, append([]byte(nil), buffer.Bytes()...))
				buffer.Reset()
			}
			if err == io.EOF {
				return docs, nil
			}
			continue
		}
		buffer.Write(line)
		if err == io.EOF {
			if buffer.Len() != 0 {
				docs = append(docs, buffer.Bytes())
			}
			return docs, nil
		}
	}
}

// convert returns one line per document of one file: `doc JSON`, `null` for an empty document,
// or `error MESSAGE`.
func convert(data []byte) []string {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		var v interface{}
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return []string{"error\t" + err.Error()}
		}
		out, err := json.Marshal(v)
		if err != nil {
			return []string{"error\t" + err.Error()}
		}
		return []string{"doc\t" + string(out)}
	}
	docs, err := splitDocuments(data)
	if err != nil {
		return []string{"error\t" + err.Error()}
	}
	var out []string
	for _, doc := range docs {
		j, err := yaml.YAMLToJSON(doc)
		switch {
		case err != nil:
			out = append(out, "error\t"+strings.ReplaceAll(err.Error(), "\n", " "))
		case string(j) == "null":
			out = append(out, "null")
		default:
			out = append(out, "doc\t"+string(j))
		}
	}
	return out
}

func main() {
	status := 0
	for _, file := range os.Args[1:] {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 1
			continue
		}
		for i, line := range convert(data) {
			fmt.Printf("%s\t%d\t%s\n", file, i, line)
		}
	}
	os.Exit(status)
}
