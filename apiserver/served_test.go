package apiserver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sheetops/sheetops/apiserver/controllers"
)

// TestKubectlServedKinds applies one object of every plain kind with kubectl (client-side,
// with its default strict validation against the engine's OpenAPI), then reads them back
// as kubectl users do: table columns as upstream's, explain, scale, and the errors of
// invalid objects.
func TestKubectlServedKinds(t *testing.T) {
	path := needTool(t, "/usr/bin/kubectl")
	srv := startEngine(t, "", false)
	k := newKubectl(t, path, srv)
	cs := clientset(t, srv)

	k.ok(t, "apply", "-f", "testdata/served-kinds.yaml")

	headers := []struct {
		resource string
		want     string
	}{
		{"configmaps", "NAME DATA AGE"},
		{"secrets", "NAME TYPE DATA AGE"},
		{"serviceaccounts", "NAME AGE"},
		{"services", "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE"},
		{"endpoints", "NAME ENDPOINTS AGE"},
		{"replicationcontrollers", "NAME DESIRED CURRENT READY AGE"},
		{"persistentvolumeclaims", "NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE"},
		{"resourcequotas", "NAME REQUEST LIMIT AGE"},
		{"limitranges", "NAME CREATED AT"},
		{"statefulsets", "NAME READY AGE"},
		{"daemonsets", "NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE"},
		{"jobs", "NAME STATUS COMPLETIONS DURATION AGE"},
		{"cronjobs", "NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE"},
		{"horizontalpodautoscalers", "NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE"},
		{"poddisruptionbudgets", "NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE"},
		{"ingresses", "NAME CLASS HOSTS ADDRESS PORTS AGE"},
		{"networkpolicies", "NAME POD-SELECTOR AGE"},
		{"endpointslices", "NAME ADDRESSTYPE PORTS ENDPOINTS AGE"},
		{"events", "LAST SEEN TYPE REASON OBJECT MESSAGE"},
	}
	for _, h := range headers {
		t.Run("get "+h.resource, func(t *testing.T) {
			out := k.ok(t, "get", h.resource, "-n", "kinds")
			first := strings.Join(strings.Fields(strings.SplitN(out, "\n", 2)[0]), " ")
			if first != h.want {
				t.Errorf("header %q, want %q\n%s", first, h.want, out)
			}
		})
	}

	t.Run("service cluster IP and node port", func(t *testing.T) {
		out := k.ok(t, "get", "svc", "-n", "kinds", "web", "web-np", "--no-headers")
		kcWantContains(t, "services", out, "ClusterIP   10.", "NodePort    10.", "80:3")
		svc, err := cs.CoreV1().Services("default").Get(context.Background(), "kubernetes", metav1.GetOptions{})
		if err != nil || svc.Spec.ClusterIP != "10.96.0.1" {
			t.Errorf("kubernetes service: %v %v", svc, err)
		}
	})

	t.Run("secret stringData folded into data", func(t *testing.T) {
		s, err := cs.CoreV1().Secrets("kinds").Get(context.Background(), "creds", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if string(s.Data["password"]) != "hunter2" || len(s.StringData) != 0 || s.Type != "Opaque" {
			t.Errorf("secret: data %v stringData %v type %s", s.Data, s.StringData, s.Type)
		}
	})

	t.Run("job selector generated", func(t *testing.T) {
		j, err := cs.BatchV1().Jobs("kinds").Get(context.Background(), "once", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		uid := string(j.UID)
		if j.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"] != uid || j.Spec.Template.Labels["job-name"] != "once" ||
			*j.Spec.BackoffLimit != 6 || *j.Spec.Completions != 1 {
			t.Errorf("job spec: %+v", j.Spec)
		}
	})

	t.Run("scale", func(t *testing.T) {
		k.ok(t, "scale", "-n", "kinds", "rc/legacy", "--replicas=3")
		k.ok(t, "scale", "-n", "kinds", "sts/db", "--replicas=2")
		kcWantContains(t, "scaled", k.ok(t, "get", "-n", "kinds", "rc/legacy", "--no-headers"), "legacy   3")
		kcWantContains(t, "scaled", k.ok(t, "get", "-n", "kinds", "sts/db", "--no-headers"), "0/2")
	})

	t.Run("views", func(t *testing.T) {
		// autoscaling/v1 shows the v2 object's CPU target; events.k8s.io/v1 the v1 event
		out := k.ok(t, "get", "horizontalpodautoscalers.v1.autoscaling", "web", "-n", "kinds", "-o", "jsonpath={.apiVersion} {.spec.targetCPUUtilizationPercentage}")
		if out != "autoscaling/v1 80" {
			t.Errorf("hpa through autoscaling/v1: %q", out)
		}
		out = k.ok(t, "get", "events.v1.events.k8s.io", "hello", "-n", "kinds", "-o", "jsonpath={.apiVersion} {.note} {.regarding.name}")
		if out != "events.k8s.io/v1 hello p" {
			t.Errorf("event through events.k8s.io/v1: %q", out)
		}
	})

	t.Run("explain", func(t *testing.T) {
		out := k.ok(t, "explain", "cronjob.spec.schedule")
		kcWantContains(t, "explain", out, "Cron format")
		out = k.ok(t, "explain", "svc.spec.clusterIP")
		kcWantContains(t, "explain", out, "clusterIP")
	})

	t.Run("invalid objects", func(t *testing.T) {
		cases := []struct {
			name, manifest string
			want           []string
		}{
			{"service port", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad","namespace":"kinds"},"spec":{"ports":[{"port":0}]}}`,
				[]string{`The Service "bad" is invalid`, "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"}},
			{"service type", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad","namespace":"kinds"},"spec":{"type":"Magic","ports":[{"port":80}]}}`,
				[]string{`spec.type: Unsupported value: "Magic"`}},
			{"job parallelism", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"bad","namespace":"kinds"},"spec":{"parallelism":-1,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}}`,
				[]string{`The Job "bad" is invalid`, "spec.parallelism: Invalid value: -1: must be greater than or equal to 0"}},
			{"job restart policy", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"bad","namespace":"kinds"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"x"}]}}}}`,
				[]string{`spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`}},
			{"cronjob schedule", `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"bad","namespace":"kinds"},"spec":{"schedule":"every day","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}}}}`,
				[]string{`The CronJob "bad" is invalid`, `spec.schedule: Invalid value: "every day"`}},
			{"statefulset selector", `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"bad","namespace":"kinds"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}`,
				[]string{"spec.template.metadata.labels: Invalid value: {\"app\":\"b\"}: `selector` does not match template `labels`"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				out := k.fails(t, "create", "-f", kcWriteManifest(t, "bad.json", c.manifest))
				kcWantContains(t, c.name, out, c.want...)
			})
		}
	})
}

// TestKubectlServedControllers: against an engine that runs its controllers, a cron job's
// template runs as a job whose pod completes, a statefulset rolls out with stable names, and
// every namespace has its default ServiceAccount.
func TestKubectlServedControllers(t *testing.T) {
	path := needTool(t, "/usr/bin/kubectl")
	srv := startCluster(t, controllers.Options{StartDelay: 10 * time.Millisecond, TerminationDelay: 20 * time.Millisecond, Workers: 2})
	k := newKubectl(t, path, srv)
	k.ok(t, "apply", "-f", "testdata/served-kinds.yaml")
	k.ok(t, "create", "job", "manual", "--from=cronjob/nightly", "-n", "kinds")
	k.ok(t, "wait", "--for=condition=complete", "job/manual", "-n", "kinds", "--timeout=60s")
	kcWantContains(t, "job", k.ok(t, "get", "job/manual", "-n", "kinds", "--no-headers"), "Complete", "1/1")
	k.ok(t, "scale", "-n", "kinds", "sts/db", "--replicas=2")
	k.ok(t, "rollout", "status", "sts/db", "-n", "kinds", "--timeout=60s")
	kcWantContains(t, "pods", k.ok(t, "get", "pods", "-n", "kinds", "-l", "app=db", "--no-headers"), "db-0 ", "db-1 ")
	k.ok(t, "get", "sa", "default", "-n", "kinds") // made while the rollout ran
}
