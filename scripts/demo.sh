#!/usr/bin/env bash
# make demo: onboard three local hosts against the embedded AWS stand-in.
echo "make demo is not available yet. When it lands it will: start the local AWS stand-in, create a Redshift"
echo "cluster in it, run the onboard playbook against three local hosts, print each host's assumed role,"
echo "clusters seen and certificate expiry, run onboard again to show changed=0, run verify, and stop the stand-in."
exit 2
