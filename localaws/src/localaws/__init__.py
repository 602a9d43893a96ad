"""A local stand-in for AWS: moto's IAM, STS, Redshift and ACM-PCA plus IAM Roles Anywhere, on one loopback port."""

import os

# AWS managed policies (AmazonRedshiftReadOnlyAccess, ...) exist in every real account; moto loads them only when
# asked, before its IAM backend is first imported, which the package import precedes.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
