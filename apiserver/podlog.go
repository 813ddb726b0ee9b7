package apiserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// subLog is the pods/log subresource.
const subLog = "log"

// podLogFollowPoll is how often a followed log checks whether its container still runs.
const podLogFollowPoll = time.Second

// podLog answers GET pods/{name}/log as upstream's log REST and a kubelet do, with a few
// simulated lines: the engine runs no containers. A pod not yet bound to a node has an empty
// log (204, as upstream's streamer without a location); a container that has not started, or a previous
// instance that does not exist, is a 400 with the kubelet's message; a container that runs or
// ran gives lines saying so (container, image, start and end), honouring timestamps,
// tailLines, limitBytes, sinceSeconds and sinceTime; follow keeps the answer open while the
// container runs.
func (s *Server) podLog(w http.ResponseWriter, r *http.Request, ri requestInfo, obj runtime.Object) error {
	pod := obj.(*corev1.Pod)
	opts, err := podLogOptions(r.URL.Query())
	if err != nil {
		return err
	}
	if err := validatePodLogOptions(pod.Name, opts, r.URL.Query().Has("stream")); err != nil {
		return err
	}
	name, err := logContainer(pod, opts.Container)
	if err != nil {
		return err
	}
	var lines []logLine
	if pod.Spec.NodeName != "" {
		if lines, err = containerLog(pod, name, opts.Previous); err != nil {
			return err
		}
	}
	if pod.Spec.NodeName == "" {
		// no node to ask: upstream's streamer without a location answers 204
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	lines = filterLog(lines, opts, time.Now())
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	written := int64(0)
	for _, l := range lines {
		text := l.text + "\n"
		if opts.Timestamps {
			text = l.at.UTC().Format(time.RFC3339Nano) + " " + text
		}
		if opts.LimitBytes != nil && written+int64(len(text)) > *opts.LimitBytes {
			text = text[:*opts.LimitBytes-written]
		}
		n, _ := w.Write([]byte(text))
		written += int64(n)
		if opts.LimitBytes != nil && written >= *opts.LimitBytes {
			return nil
		}
	}
	if !opts.Follow || pod.Spec.NodeName == "" || opts.Previous {
		return nil
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	// follow: hold the stream while the same container runs, as kubectl logs -f expects
	tick := time.NewTicker(podLogFollowPoll)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-tick.C:
		}
		cur, err := s.store.Get(ri.res.storeKey, ri.namespace, ri.name)
		if err != nil {
			return nil
		}
		p := cur.(*corev1.Pod)
		cs := findContainerStatus(p, name)
		if p.UID != pod.UID || cs == nil || cs.State.Running == nil {
			return nil
		}
	}
}

// podLogOptions decodes the query of a log request (the generated url.Values conversion of
// PodLogOptions lives in k8s.io/kubernetes, which the engine does not import).
func podLogOptions(q url.Values) (*corev1.PodLogOptions, error) {
	o := &corev1.PodLogOptions{Container: q.Get("container")}
	for name, dst := range map[string]*bool{"follow": &o.Follow, "previous": &o.Previous, "timestamps": &o.Timestamps, "insecureSkipTLSVerifyBackend": &o.InsecureSkipTLSVerifyBackend} {
		if v := q.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("converting (url.Values) to (v1.PodLogOptions): %s: %v", name, err))
			}
			*dst = b
		}
	}
	for name, dst := range map[string]**int64{"sinceSeconds": &o.SinceSeconds, "tailLines": &o.TailLines, "limitBytes": &o.LimitBytes} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("converting (url.Values) to (v1.PodLogOptions): %s: %v", name, err))
			}
			*dst = &n
		}
	}
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("converting (url.Values) to (v1.PodLogOptions): sinceTime: %v", err))
		}
		o.SinceTime = &metav1.Time{Time: t}
	}
	return o, nil
}

// logLine is one simulated line of a container's log.
type logLine struct {
	at   time.Time
	text string
}

// validatePodLogOptions is upstream's ValidatePodLogOptions (with the alpha stream selection
// off): a 422 about the kind PodLogOptions.
func validatePodLogOptions(name string, o *corev1.PodLogOptions, stream bool) error {
	var errs field.ErrorList
	if o.TailLines != nil && *o.TailLines < 0 {
		errs = append(errs, field.Invalid(field.NewPath("tailLines"), *o.TailLines, "must be greater than or equal to 0"))
	}
	if o.LimitBytes != nil && *o.LimitBytes < 1 {
		errs = append(errs, field.Invalid(field.NewPath("limitBytes"), *o.LimitBytes, "must be greater than 0"))
	}
	switch {
	case o.SinceSeconds != nil && o.SinceTime != nil:
		errs = append(errs, field.Forbidden(field.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	case o.SinceSeconds != nil && *o.SinceSeconds < 1:
		errs = append(errs, field.Invalid(field.NewPath("sinceSeconds"), *o.SinceSeconds, "must be greater than 0"))
	}
	if stream {
		errs = append(errs, field.Forbidden(field.NewPath("stream"), "may not be specified"))
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(schema.GroupKind{Kind: "PodLogOptions"}, name, errs)
	}
	return nil
}

// logContainer is the container whose log is asked for: the named one, or the only one; the
// errors are upstream's validateContainer's (which lists init, then regular, then ephemeral
// containers).
func logContainer(pod *corev1.Pod, name string) (string, error) {
	var all []string
	for _, c := range pod.Spec.InitContainers {
		all = append(all, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		all = append(all, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		all = append(all, c.Name)
	}
	if name == "" {
		switch len(pod.Spec.Containers) {
		case 1:
			return pod.Spec.Containers[0].Name, nil
		case 0:
			return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s", pod.Name))
		}
		return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", pod.Name, all))
	}
	for _, n := range all {
		if n == name {
			return name, nil
		}
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
}

func findContainerStatus(pod *corev1.Pod, name string) *corev1.ContainerStatus {
	for _, list := range [][]corev1.ContainerStatus{pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses, pod.Status.EphemeralContainerStatuses} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// containerLog is the simulated log of a container, or the kubelet's error for a container
// that has none (validateContainerLogStatus): 400 with its message.
func containerLog(pod *corev1.Pod, name string, previous bool) ([]logLine, error) {
	cs := findContainerStatus(pod, name)
	if cs == nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is not available", name, pod.Name))
	}
	last := cs.LastTerminationState.Terminated
	switch {
	case previous:
		if last == nil || last.ContainerID == "" {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", name, pod.Name))
		}
		return terminatedLog(cs, last), nil
	case cs.State.Running != nil:
		return runningLog(cs, cs.State.Running.StartedAt.Time), nil
	case cs.State.Terminated != nil && cs.State.Terminated.ContainerID != "":
		return terminatedLog(cs, cs.State.Terminated), nil
	case cs.State.Terminated != nil || last != nil:
		if last == nil || last.ContainerID == "" {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is terminated", name, pod.Name))
		}
		return terminatedLog(cs, last), nil
	case cs.State.Waiting != nil:
		switch reason := cs.State.Waiting.Reason; reason {
		case "ErrImagePull":
			return nil, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: image can't be pulled", name, pod.Name))
		case "ImagePullBackOff":
			return nil, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: trying and failing to pull image", name, pod.Name))
		default:
			return nil, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: %s", name, pod.Name, reason))
		}
	}
	return nil, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start - no logs yet", name, pod.Name))
}

func runningLog(cs *corev1.ContainerStatus, started time.Time) []logLine {
	return []logLine{
		{started, fmt.Sprintf("sheetops: container %s started (image %s)", cs.Name, cs.Image)},
		{started, "sheetops: this node is simulated; the container runs no process and writes no other output"},
	}
}

func terminatedLog(cs *corev1.ContainerStatus, t *corev1.ContainerStateTerminated) []logLine {
	lines := runningLog(cs, t.StartedAt.Time)
	return append(lines, logLine{t.FinishedAt.Time, fmt.Sprintf("sheetops: container %s exited with code %d", cs.Name, t.ExitCode)})
}

// filterLog applies sinceSeconds, sinceTime and tailLines.
func filterLog(lines []logLine, o *corev1.PodLogOptions, now time.Time) []logLine {
	var since time.Time
	switch {
	case o.SinceSeconds != nil:
		since = now.Add(-time.Duration(*o.SinceSeconds) * time.Second)
	case o.SinceTime != nil:
		since = o.SinceTime.Time
	}
	if !since.IsZero() {
		var kept []logLine
		for _, l := range lines {
			if !l.at.Before(since) {
				kept = append(kept, l)
			}
		}
		lines = kept
	}
	if o.TailLines != nil && int64(len(lines)) > *o.TailLines {
		lines = lines[int64(len(lines))-*o.TailLines:]
	}
	return lines
}
