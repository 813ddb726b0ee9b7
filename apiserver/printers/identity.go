package printers

import (
	"strings"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// The tables of identity and access kinds: role bindings, cluster role bindings and
// certificate signing requests (roles and cluster roles have none upstream and get the
// default NAME / CREATED AT table).
var (
	roleBindingColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Role", "string", standard, rbacv1.RoleBinding{}.SwaggerDoc()["roleRef"]),
		ageColumn(),
		column("Users", "string", wide, "Users in the roleBinding"),
		column("Groups", "string", wide, "Groups in the roleBinding"),
		column("ServiceAccounts", "string", wide, "ServiceAccounts in the roleBinding"),
	}
	clusterRoleBindingColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		column("Role", "string", standard, rbacv1.ClusterRoleBinding{}.SwaggerDoc()["roleRef"]),
		ageColumn(),
		column("Users", "string", wide, "Users in the clusterRoleBinding"),
		column("Groups", "string", wide, "Groups in the clusterRoleBinding"),
		column("ServiceAccounts", "string", wide, "ServiceAccounts in the clusterRoleBinding"),
	}
	csrColumns = []metav1.TableColumnDefinition{
		nameColumn(),
		ageColumn(),
		column("SignerName", "string", standard, certificatesv1.CertificateSigningRequestSpec{}.SwaggerDoc()["signerName"]),
		column("Requestor", "string", standard, certificatesv1.CertificateSigningRequestSpec{}.SwaggerDoc()["request"]),
		column("RequestedDuration", "string", standard, certificatesv1.CertificateSigningRequestSpec{}.SwaggerDoc()["expirationSeconds"]),
		column("Condition", "string", standard, certificatesv1.CertificateSigningRequestStatus{}.SwaggerDoc()["conditions"]),
	}
)

func init() {
	printKind(roleBindingColumns, (*converter).roleBindingRow, func(l *rbacv1.RoleBindingList) []rbacv1.RoleBinding { return l.Items })
	printKind(clusterRoleBindingColumns, (*converter).clusterRoleBindingRow, func(l *rbacv1.ClusterRoleBindingList) []rbacv1.ClusterRoleBinding { return l.Items })
	printKind(csrColumns, (*converter).csrRow, func(l *certificatesv1.CertificateSigningRequestList) []certificatesv1.CertificateSigningRequest {
		return l.Items
	})
}

// subjectCells are a binding's users, groups and ServiceAccounts (namespace/name), each
// joined by ", ".
func subjectCells(subjects []rbacv1.Subject) (users, groups, sas string) {
	var u, g, s []string
	for _, sub := range subjects {
		switch sub.Kind {
		case rbacv1.UserKind:
			u = append(u, sub.Name)
		case rbacv1.GroupKind:
			g = append(g, sub.Name)
		case rbacv1.ServiceAccountKind:
			s = append(s, sub.Namespace+"/"+sub.Name)
		}
	}
	return strings.Join(u, ", "), strings.Join(g, ", "), strings.Join(s, ", ")
}

func (c *converter) roleBindingRow(b *rbacv1.RoleBinding) metav1.TableRow {
	users, groups, sas := subjectCells(b.Subjects)
	return c.row(b, b.Name, b.RoleRef.Kind+"/"+b.RoleRef.Name, c.age(b.CreationTimestamp), users, groups, sas)
}

func (c *converter) clusterRoleBindingRow(b *rbacv1.ClusterRoleBinding) metav1.TableRow {
	users, groups, sas := subjectCells(b.Subjects)
	return c.row(b, b.Name, b.RoleRef.Kind+"/"+b.RoleRef.Name, c.age(b.CreationTimestamp), users, groups, sas)
}

func (c *converter) csrRow(r *certificatesv1.CertificateSigningRequest) metav1.TableRow {
	signer := "<none>"
	if r.Spec.SignerName != "" {
		signer = r.Spec.SignerName
	}
	requested := "<none>"
	if s := r.Spec.ExpirationSeconds; s != nil {
		requested = duration.HumanDuration(time.Duration(*s) * time.Second)
	}
	return c.row(r, r.Name, c.age(r.CreationTimestamp), signer, r.Spec.Username, requested, csrCondition(r))
}

// csrCondition is Denied, Approved or Pending, then ",Failed" and ",Issued" when they apply.
func csrCondition(r *certificatesv1.CertificateSigningRequest) string {
	var approved, denied, failed bool
	for _, c := range r.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateApproved:
			approved = true
		case certificatesv1.CertificateDenied:
			denied = true
		case certificatesv1.CertificateFailed:
			failed = true
		}
	}
	status := "Pending"
	switch {
	case denied:
		status = "Denied"
	case approved:
		status = "Approved"
	}
	if failed {
		status += ",Failed"
	}
	if len(r.Status.Certificate) > 0 {
		status += ",Issued"
	}
	return status
}
