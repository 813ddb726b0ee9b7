"""Calls the engine as a ServiceAccount with the official Python client.

Usage: python_serviceaccount.py URL CA_FILE TOKEN_FILE NAMESPACE
Prints one JSON line: what the ServiceAccount could and could not do.
"""
import json
import sys

from kubernetes import client
from kubernetes.client.rest import ApiException

url, ca_file, token_file, ns = sys.argv[1:5]
with open(token_file) as f:
    token = f.read().strip()

cfg = client.Configuration()
cfg.host = url
cfg.ssl_ca_cert = ca_file
cfg.api_key = {"authorization": token}
cfg.api_key_prefix = {"authorization": "Bearer"}
api = client.ApiClient(cfg)
core = client.CoreV1Api(api)
authz = client.AuthorizationV1Api(api)

out = {}
pods = core.list_namespaced_pod(ns)
out["listed"] = sorted(p.metadata.name for p in pods.items)
try:
    core.delete_namespaced_pod("p", ns)
    out["delete_status"] = 200
except ApiException as e:
    out["delete_status"] = e.status
    out["delete_body"] = json.loads(e.body)
try:
    core.list_namespaced_pod("default")
    out["other_namespace_status"] = 200
except ApiException as e:
    out["other_namespace_status"] = e.status
review = authz.create_self_subject_access_review(client.V1SelfSubjectAccessReview(
    spec=client.V1SelfSubjectAccessReviewSpec(resource_attributes=client.V1ResourceAttributes(
        verb="list", resource="pods", namespace=ns))))
out["review_allowed"] = review.status.allowed
out["review_reason"] = review.status.reason
print(json.dumps(out))
