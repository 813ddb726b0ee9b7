package controllers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	stdsync "sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// claimer reconciles the controller references of the objects a controller selects, as
// upstream's ControllerRefManager: it adopts orphans its selector matches and releases the
// objects it owns that its selector no longer matches, each with a strategic merge patch of
// metadata.ownerReferences that carries the object's UID as a precondition.
type claimer struct {
	owner    metav1.Object
	ownerGVK schema.GroupVersionKind
	selector labels.Selector
	// recheck reads the owner afresh from the API server: adoption is refused when it is gone,
	// has another UID or is being deleted (the cache may be stale).
	recheck func(ctx context.Context) (metav1.Object, error)
	// patch sends a strategic merge patch to the object namespace/name.
	patch func(ctx context.Context, namespace, name string, data []byte) error

	once     stdsync.Once
	adoptErr error
}

// claim reports whether obj belongs to the owner after reconciling its controller reference.
func (c *claimer) claim(ctx context.Context, obj metav1.Object) (bool, error) {
	ref := metav1.GetControllerOf(obj)
	match := c.selector.Matches(labels.Set(obj.GetLabels()))
	if ref != nil {
		if ref.UID != c.owner.GetUID() {
			return false, nil // another controller's
		}
		if match {
			return true, nil
		}
		// Ours, but no longer selected: release it, unless we are being deleted or it is.
		if c.owner.GetDeletionTimestamp() != nil || obj.GetDeletionTimestamp() != nil {
			return false, nil
		}
		if err := c.patch(ctx, obj.GetNamespace(), obj.GetName(), releasePatch(obj.GetUID(), c.owner.GetUID())); err != nil && !apierrors.IsNotFound(err) {
			return false, fmt.Errorf("release %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
		}
		return false, nil
	}
	// An orphan.
	if c.owner.GetDeletionTimestamp() != nil || !match || obj.GetDeletionTimestamp() != nil || obj.GetNamespace() != c.owner.GetNamespace() {
		return false, nil
	}
	c.once.Do(func() { c.adoptErr = c.canAdopt(ctx) })
	if c.adoptErr != nil {
		return false, c.adoptErr
	}
	if err := c.patch(ctx, obj.GetNamespace(), obj.GetName(), adoptPatch(obj.GetUID(), c.owner, c.ownerGVK)); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("adopt %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
	}
	return true, nil
}

func (c *claimer) canAdopt(ctx context.Context) error {
	fresh, err := c.recheck(ctx)
	if err != nil {
		return err
	}
	if fresh.GetUID() != c.owner.GetUID() {
		return fmt.Errorf("original %s %s/%s is gone: got uid %v, wanted %v", c.ownerGVK.Kind, c.owner.GetNamespace(), c.owner.GetName(), fresh.GetUID(), c.owner.GetUID())
	}
	if fresh.GetDeletionTimestamp() != nil {
		return fmt.Errorf("%s %s/%s has just been deleted at %v", c.ownerGVK.Kind, c.owner.GetNamespace(), c.owner.GetName(), fresh.GetDeletionTimestamp())
	}
	return nil
}

// errOwnerGone stops a sync that would create for an owner the API server no longer has,
// or is deleting: the cache it worked from was stale. It is not retried.
var errOwnerGone = errors.New("owner is gone or being deleted")

// stillLive reads the owner afresh (get) before a controller creates for it: a deleted
// owner, one replaced by another of the same name, or one being deleted gets nothing new
// (errOwnerGone). Informers lag: an owner deleted a moment ago may still be in the cache.
func stillLive(ctx context.Context, owner metav1.Object, get func(ctx context.Context) (metav1.Object, error)) error {
	fresh, err := get(ctx)
	switch {
	case apierrors.IsNotFound(err):
		return errOwnerGone
	case err != nil:
		return err
	case fresh.GetUID() != owner.GetUID() || fresh.GetDeletionTimestamp() != nil:
		return errOwnerGone
	}
	return nil
}

// controllerRef is the owner reference a controller puts on what it creates or adopts.
func controllerRef(owner metav1.Object, gvk schema.GroupVersionKind) *metav1.OwnerReference {
	return metav1.NewControllerRef(owner, gvk)
}

func adoptPatch(uid types.UID, owner metav1.Object, gvk schema.GroupVersionKind) []byte {
	patch := map[string]any{"metadata": map[string]any{
		"ownerReferences": []metav1.OwnerReference{*controllerRef(owner, gvk)},
		"uid":             uid,
	}}
	data, _ := json.Marshal(patch)
	return data
}

func releasePatch(uid, ownerUID types.UID) []byte {
	patch := map[string]any{"metadata": map[string]any{
		"ownerReferences": []map[string]any{{"$patch": "delete", "uid": ownerUID}},
		"uid":             uid,
	}}
	data, _ := json.Marshal(patch)
	return data
}
