package mapping

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// TemplateCreator makes the create of a tab from a YAML template (the tab's `create:`): the
// row's cells fill its fields, `{{.Name}}` or `{{index . "Cluster IP"}}` for a header with
// a space. Cells are trimmed and put in as YAML strings would be typed, so a template
// quotes what must stay text (`replicas: {{.Replicas}}` is a number, `image: "{{.Image}}"`
// text). The object gets the row's Namespace when the template gives none. A template that
// does not parse is an error at start; one that gives no object, or no kind, for a row is
// that row's invalid input.
func TemplateCreator(text string) (func(t Tab, cells map[string]string) (runtime.Object, error), error) {
	tmpl, err := template.New("create").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("not a template: %v", err)
	}
	return func(t Tab, cells map[string]string) (runtime.Object, error) {
		data := make(map[string]string, len(cells))
		for k, v := range cells {
			data[k] = strings.TrimSpace(v)
		}
		if data[Name] == "" {
			return nil, inColumn(Name, invalid("required"))
		}
		if t.Resource.Namespaced && data[Namespace] == "" {
			return nil, inColumn(Namespace, invalid("required"))
		}
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, data); err != nil {
			return nil, invalid("the tab's create template: " + err.Error())
		}
		var obj map[string]any
		if err := yaml.Unmarshal(buf.Bytes(), &obj); err != nil {
			return nil, invalid("the tab's create template does not give YAML for this row: " + err.Error())
		}
		u := &unstructured.Unstructured{Object: obj}
		if obj == nil || u.GetKind() == "" || u.GetAPIVersion() == "" {
			return nil, invalid("the tab's create template gives no apiVersion and kind")
		}
		if u.GetKind() != t.Resource.Kind {
			return nil, invalid(fmt.Sprintf("the tab's create template makes a %s; the tab holds %s", u.GetKind(), t.Resource.Kind))
		}
		if u.GetName() == "" {
			u.SetName(data[Name])
		}
		if t.Resource.Namespaced && u.GetNamespace() == "" {
			u.SetNamespace(data[Namespace])
		}
		return u, nil
	}, nil
}
