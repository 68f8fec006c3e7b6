// chart-render: `helm template` for the charts in this repository, where no helm binary can be installed.
//
// It renders with the same engine parts Helm 3 uses (Go's text/template, Masterminds/sprig v3 with env and
// expandenv removed, Helm's own functions: include, tpl, required, fail, toYaml, fromYaml, toJson, fromJson,
// lookup, with missing keys rendering as empty) and Helm's value precedence (chart values.yaml < -f files in order
// < --set / --set-string). It does not replace helm: no subcharts, no OCI, no hooks ordering, no install.
// The checks a user with helm runs instead are listed in deploy/README.md.
//
// Usage: chart-render RELEASE CHART_DIR [--namespace NS] [-f FILE]... [--set K=V]... [--set-string K=V]...
//
//	[--api-versions GROUP/VERSION]... [--kube-version 1.32] [--show-values] [--notes] [--strict]
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v3"
)

type values = map[string]interface{}

func fatal(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "Error: "+format+"\n", a...)
	os.Exit(1)
}

func readYAMLMap(file string) values {
	data, err := os.ReadFile(file)
	if err != nil {
		fatal("%v", err)
	}
	out := values{}
	if err := yaml.Unmarshal(data, &out); err != nil {
		fatal("%s: %v", file, err)
	}
	if out == nil {
		out = values{}
	}
	return out
}

// coalesce merges src over dst as Helm does for user values: maps merge key by key, anything else replaces, and a
// null in src deletes the key.
func coalesce(dst, src values) values {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, sok := v.(values)
		dm, dok := dst[k].(values)
		if sok && dok {
			dst[k] = coalesce(dm, sm)
		} else {
			dst[k] = v
		}
	}
	return dst
}

// splitKey splits a --set key on unescaped dots; `\.` is a literal dot. Lists (`a[0]`) are refused.
func splitKey(key string) ([]string, error) {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '\\' && i+1 < len(key):
			i++
			cur.WriteByte(key[i])
		case c == '.':
			parts = append(parts, cur.String())
			cur.Reset()
		case c == '[':
			return nil, fmt.Errorf("list index in %q is not supported by chart-render (use -f)", key)
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	for _, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("key %q has an empty part", key)
		}
	}
	return parts, nil
}

func typed(v string) interface{} {
	switch v {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && (v == "0" || !strings.HasPrefix(v, "0")) {
		return n
	}
	return v
}

// applySet applies one --set / --set-string argument (comma-separated key=value pairs).
func applySet(vals values, arg string, asString bool) {
	for _, pair := range strings.Split(arg, ",") {
		eq := strings.Index(pair, "=")
		if eq < 1 {
			fatal("key %q has no value", pair)
		}
		parts, err := splitKey(pair[:eq])
		if err != nil {
			fatal("%v", err)
		}
		var v interface{} = pair[eq+1:]
		if !asString {
			v = typed(pair[eq+1:])
		}
		node := vals
		for _, p := range parts[:len(parts)-1] {
			next, ok := node[p].(values)
			if !ok {
				next = values{}
				node[p] = next
			}
			node = next
		}
		if v == nil {
			delete(node, parts[len(parts)-1])
		} else {
			node[parts[len(parts)-1]] = v
		}
	}
}

func toYAML(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func fromYAML(s string) values {
	m := values{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(s string) values {
	m := values{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

type files struct{ dir string }

// Get returns a file of the chart (relative to the chart root) or "".
func (f files) Get(name string) string {
	data, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(name)))
	if err != nil {
		return ""
	}
	return string(data)
}

type apiVersions []string

// Has reports whether the API version (or version/Kind) was given with --api-versions, as Helm's Capabilities do.
func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

type multi []string

func main() {
	args := os.Args[1:]
	var positional []string
	namespace := "default"
	var valueFiles, sets, setStrings multi
	apis := apiVersions{"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1"}
	kubeVersion := "1.32.0"
	showValues, notes, strict := false, false, false
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() string {
			if i+1 >= len(args) {
				fatal("flag %s needs a value", a)
			}
			i++
			return args[i]
		}
		switch a {
		case "--namespace", "-n":
			namespace = next()
		case "-f", "--values":
			valueFiles = append(valueFiles, next())
		case "--set":
			sets = append(sets, next())
		case "--set-string":
			setStrings = append(setStrings, next())
		case "--api-versions", "-a":
			apis = append(apis, next())
		case "--kube-version":
			kubeVersion = strings.TrimPrefix(next(), "v")
		case "--show-values":
			showValues = true
		case "--notes":
			notes = true
		case "--strict":
			strict = true
		case "-h", "--help":
			fmt.Println("Usage: chart-render RELEASE CHART_DIR [--namespace NS] [-f FILE]... [--set K=V]... [--set-string K=V]... [--api-versions G/V]... [--kube-version X.Y] [--show-values] [--notes] [--strict]")
			return
		default:
			if strings.HasPrefix(a, "-") {
				fatal("unknown flag %s", a)
			}
			positional = append(positional, a)
		}
	}
	if len(positional) != 2 {
		fatal("want RELEASE and CHART_DIR, got %d arguments", len(positional))
	}
	release, chartDir := positional[0], positional[1]

	chart := readYAMLMap(filepath.Join(chartDir, "Chart.yaml"))
	if deps, ok := chart["dependencies"]; ok && deps != nil {
		fatal("%s declares dependencies: chart-render renders charts without subcharts (use helm)", chartDir)
	}
	name, _ := chart["name"].(string)
	if name == "" {
		fatal("%s/Chart.yaml has no name", chartDir)
	}
	vals := readYAMLMap(filepath.Join(chartDir, "values.yaml"))
	for _, f := range valueFiles {
		vals = coalesce(vals, readYAMLMap(f))
	}
	for _, s := range sets {
		applySet(vals, s, false)
	}
	for _, s := range setStrings {
		applySet(vals, s, true)
	}
	if showValues {
		fmt.Println(toJSON(vals))
		return
	}

	chartScope := values{}
	for k, v := range chart {
		if k == "" {
			continue
		}
		chartScope[strings.ToUpper(k[:1])+k[1:]] = v
	}
	parts := strings.SplitN(kubeVersion, ".", 3)
	if len(parts) < 2 {
		fatal("--kube-version wants MAJOR.MINOR[.PATCH]")
	}
	top := values{
		"Values":  vals,
		"Chart":   chartScope,
		"Release": values{"Name": release, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
		"Capabilities": values{
			"KubeVersion": values{"Version": "v" + kubeVersion, "GitVersion": "v" + kubeVersion, "Major": parts[0], "Minor": parts[1]},
			"APIVersions": apis,
		},
		"Files": files{dir: chartDir},
	}

	t := template.New("gotpl")
	if strict {
		t.Option("missingkey=error")
	} else {
		t.Option("missingkey=zero")
	}
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	includeDepth := map[string]int{}
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = fromYAML
	funcs["toJson"] = toJSON
	funcs["fromJson"] = fromJSON
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	funcs["lookup"] = func(string, string, string, string) (values, error) { return values{}, nil }
	funcs["include"] = func(name string, data interface{}) (string, error) {
		includeDepth[name]++
		defer func() { includeDepth[name]-- }()
		if includeDepth[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		c, err := t.Clone()
		if err != nil {
			return "", err
		}
		nt, err := c.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf strings.Builder
		if err := nt.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	t.Funcs(funcs)

	tdir := filepath.Join(chartDir, "templates")
	var names []string
	err := filepath.Walk(tdir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(chartDir, p)
		names = append(names, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		fatal("%v", err)
	}
	sort.Strings(names)
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(chartDir, filepath.FromSlash(n)))
		if err != nil {
			fatal("%v", err)
		}
		if _, err := t.New(path.Join(name, n)).Parse(string(data)); err != nil {
			fatal("parse error in %s: %v", n, err)
		}
	}
	var out, notesOut strings.Builder
	for _, n := range names {
		base := path.Base(n)
		if strings.HasPrefix(base, "_") {
			continue
		}
		isNotes := base == "NOTES.txt"
		if !isNotes && !strings.HasSuffix(base, ".yaml") && !strings.HasSuffix(base, ".yml") && !strings.HasSuffix(base, ".tpl") {
			continue
		}
		scope := values{}
		for k, v := range top {
			scope[k] = v
		}
		scope["Template"] = values{"Name": path.Join(name, n), "BasePath": path.Join(name, "templates")}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, path.Join(name, n), scope); err != nil {
			fatal("%v", err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if isNotes {
			if notes {
				fmt.Fprintf(&notesOut, "NOTES:\n%s\n", text)
			}
			continue
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", path.Join(name, n), strings.TrimRight(text, "\n"))
	}
	// Like helm, the notes come after the manifests.
	fmt.Print(out.String() + notesOut.String())
}
