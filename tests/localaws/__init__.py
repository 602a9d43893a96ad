"""A local stand-in for AWS: moto's IAM, STS, Redshift and ACM-PCA plus IAM Roles Anywhere, on one loopback port."""
