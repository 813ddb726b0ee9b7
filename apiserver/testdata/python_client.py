#!/usr/bin/env python3
"""Drives the engine with the official Kubernetes Python client (python3-kubernetes).

Usage: python_client.py KUBECONFIG NAMESPACE TARGET

Lists the deployments in NAMESPACE (and those labelled created-by=go everywhere), watches
NAMESPACE while a thread annotates TARGET, patches TARGET's replicas to 4 and reads them
back, then replaces TARGET with a stale resourceVersion. Prints one JSON summary line;
python_test.go asserts on it.
"""

import json
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException


def main():
    kubeconfig, namespace, target = sys.argv[1:4]
    config.load_kube_config(config_file=kubeconfig)
    apps = client.AppsV1Api()
    summary = {}

    listed = apps.list_namespaced_deployment(namespace)
    summary["count"] = len(listed.items)
    summary["names"] = sorted(d.metadata.name for d in listed.items)
    summary["list_resource_version"] = listed.metadata.resource_version
    selected = apps.list_deployment_for_all_namespaces(label_selector="created-by=go")
    summary["selected_count"] = len(selected.items)

    # Watch from the list's revision while a thread makes a change: the change is seen
    # whether it lands before the watch connects (replayed) or after (live).
    errors = []

    def annotate():
        try:
            apps.patch_namespaced_deployment(
                target, namespace, {"metadata": {"annotations": {"python-watch": "seen"}}})
        except ApiException as e:  # reported, not raised in the thread
            errors.append("annotate: %s %s" % (e.status, e.reason))

    changer = threading.Thread(target=annotate)
    w = watch.Watch()
    events = []
    summary["watch_saw_change"] = False
    changer.start()
    for ev in w.stream(apps.list_namespaced_deployment, namespace,
                       resource_version=listed.metadata.resource_version, timeout_seconds=2):
        obj = ev["object"]
        events.append([ev["type"], obj.metadata.name])
        annotations = obj.metadata.annotations or {}
        if ev["type"] == "MODIFIED" and obj.metadata.name == target \
                and annotations.get("python-watch") == "seen":
            summary["watch_saw_change"] = True
            w.stop()
    changer.join()
    summary["watch_events"] = events

    before = apps.read_namespaced_deployment(target, namespace)
    apps.patch_namespaced_deployment(target, namespace, {"spec": {"replicas": 4}})
    summary["patched_replicas"] = apps.read_namespaced_deployment(target, namespace).spec.replicas
    summary["scale_replicas"] = apps.read_namespaced_deployment_scale(target, namespace).spec.replicas

    before.spec.replicas = 7  # before carries the resourceVersion from before the patch
    try:
        apps.replace_namespaced_deployment(target, namespace, before)
        summary["stale_replace_status"] = 200
    except ApiException as e:
        summary["stale_replace_status"] = e.status
        body = json.loads(e.body)
        summary["stale_replace_reason"] = body.get("reason")
        summary["stale_replace_message"] = body.get("message")

    summary["errors"] = errors
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
