// Package differential runs one scenario suite against SheetOps' embedded API server engine
// and against a real kube-apiserver backed by etcd, and fails on every difference between
// the two that is not on the suite's allow-list.
//
// Each scenario drives a server with the same client-go code (typed clients, which send
// protobuf, and a JSON REST client for the requests whose status code, headers or raw body
// matter) and returns a record: an ordered list of observations such as
// "dup-deployment.code=409" or "get.spec.replicas=2". The two records are compared key by
// key; an allow-list entry names the keys whose values may differ and why (resourceVersion
// values, uids, timestamps, upstream admission plugins the engine does not have).
//
// # Servers
//
// The engine runs in-process on a free 127.0.0.1 port with its data in a temporary
// directory. The upstream side is the etcd named by ETCD_BIN and the kube-apiserver named by
// KUBE_APISERVER_BIN, by default the ones ../build-etcd.sh and ../build-kube-apiserver.sh
// leave in ${SHEETOPS_CACHE:-$HOME/.cache/sheetops} for the versions pinned in ../etcd and
// ../kubeapiserver (Debian's etcd-server is too old for kube-apiserver v1.37: see
// ../etcd/tools.go). Both listen on 127.0.0.1 only. kube-apiserver gets a token file with
// the engine's two users, RBAC that gives the viewers group what the engine's authorizer
// gives it, and a default ServiceAccount in every test namespace.
//
// Neither side runs controllers: kube-apiserver runs without kube-controller-manager,
// scheduler or kubelet, and the engine with Options.NoControllers, so only the API servers
// are compared. The engine's collector, which does in-process what upstream's garbage
// collector and namespace controller do, still runs; scenarios read only what happens
// before it acts (the DELETE response, not the object's fate).
//
// When etcd or kube-apiserver is missing the tests and benchmarks skip, unless CI is set,
// where they fail. Intended differences are on the allow-list (allowlist_test.go), each with
// its reason; an entry that permitted nothing is logged.
//
// # Running
//
//	test/run-differential.sh             # builds (once) or reuses etcd and kube-apiserver, runs the suite
//	test/run-differential.sh -v          # also lists the allowed differences
//	test/run-differential.sh -run '^$' -bench .   # benchmarks, both servers side by side (about 1 minute)
//
// Keep -benchtime at its default for the list-10000 benchmark: each round lists 10,000 pods.
//
// Both sides are durable by default: etcd fsyncs its log and the engine commits to disk
// before either answers a write. DIFFERENTIAL_FSYNC=false runs both without it (etcd with
// --unsafe-no-fsync, the engine with --fsync=false), which shows what the disk costs each
// side; the suite's answers are the same either way.
//
// Servers are started once per test binary and shared by the tests and benchmarks; each
// scenario works in namespaces of its own.
package differential
