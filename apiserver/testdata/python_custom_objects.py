#!/usr/bin/env python3
"""Drives custom resources with the official Kubernetes Python client (python3-kubernetes).

Usage: python_custom_objects.py KUBECONFIG NAMESPACE

Creates the WorkerPool CRD (demo.sheetops.io) with ApiextensionsV1Api, waits until it is
Established, then uses CustomObjectsApi: create, get, list, watch, merge patch, status
and scale subresources, delete. Prints one JSON summary line; python_test.go asserts on it.
"""

import json
import sys
import threading
import time

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

GROUP, VERSION, PLURAL = "demo.sheetops.io", "v1", "workerpools"

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "workerpools.demo.sheetops.io"},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {"kind": "WorkerPool", "plural": PLURAL, "singular": "workerpool", "shortNames": ["wp"]},
        "versions": [{
            "name": VERSION, "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "properties": {
                    "replicas": {"type": "integer", "minimum": 0, "default": 1},
                    "queue": {"type": "string"}}},
                "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}}}}},
            "subresources": {"status": {}, "scale": {
                "specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}},
        }],
    },
}


def main():
    kubeconfig, namespace = sys.argv[1:3]
    config.load_kube_config(config_file=kubeconfig)
    ext = client.ApiextensionsV1Api()
    api = client.CustomObjectsApi()
    summary = {"errors": []}

    ext.create_custom_resource_definition(CRD)
    deadline = time.time() + 10
    while time.time() < deadline:
        crd = ext.read_custom_resource_definition("workerpools.demo.sheetops.io")
        conds = {c.type: c.status for c in (crd.status.conditions or [])}
        if conds.get("Established") == "True":
            break
        time.sleep(0.05)
    summary["established"] = conds.get("Established")

    body = {"apiVersion": GROUP + "/" + VERSION, "kind": "WorkerPool",
            "metadata": {"name": "orders"}, "spec": {"queue": "orders"}}
    created = api.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)
    summary["created_replicas"] = created["spec"]["replicas"]
    got = api.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "orders")
    summary["got_queue"] = got["spec"]["queue"]
    listed = api.list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)
    summary["listed"] = [o["metadata"]["name"] for o in listed["items"]]
    summary["list_resource_version"] = listed["metadata"]["resourceVersion"]

    def patch():
        try:
            api.patch_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "orders",
                                               {"spec": {"queue": "urgent"}})
        except ApiException as e:
            summary["errors"].append("patch: %s %s" % (e.status, e.reason))

    changer = threading.Thread(target=patch)
    changer.start()
    events = []
    w = watch.Watch()
    for ev in w.stream(api.list_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL,
                       resource_version=listed["metadata"]["resourceVersion"], timeout_seconds=2):
        events.append([ev["type"], ev["object"]["metadata"]["name"], ev["object"]["spec"].get("queue")])
        if ev["type"] == "MODIFIED":
            w.stop()
    changer.join()
    summary["watch_events"] = events

    status = api.patch_namespaced_custom_object_status(GROUP, VERSION, namespace, PLURAL, "orders",
                                                       {"status": {"replicas": 2}})
    summary["status_replicas"] = status["status"]["replicas"]
    api.patch_namespaced_custom_object_scale(GROUP, VERSION, namespace, PLURAL, "orders",
                                             {"spec": {"replicas": 4}})
    scale = api.get_namespaced_custom_object_scale(GROUP, VERSION, namespace, PLURAL, "orders")
    summary["scale"] = [scale["spec"]["replicas"], scale["status"]["replicas"]]
    everywhere = api.list_cluster_custom_object(GROUP, VERSION, PLURAL)
    summary["cluster_count"] = len(everywhere["items"])
    try:
        api.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, {
            "apiVersion": GROUP + "/" + VERSION, "kind": "WorkerPool",
            "metadata": {"name": "bad"}, "spec": {"replicas": -1}})
    except ApiException as e:
        summary["invalid_status"] = e.status
        summary["invalid_reason"] = json.loads(e.body)["reason"]
    api.delete_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "orders")
    try:
        api.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "orders")
        summary["deleted_status"] = 200
    except ApiException as e:
        summary["deleted_status"] = e.status
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
