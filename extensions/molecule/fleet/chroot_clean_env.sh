#!/bin/sh
# chroot for the fleet's hosts (ansible_chroot_exe): the host starts with the clean environment an SSH login
# gives, not with the controller's (which holds the stand-in administrator's AWS settings).
exec /usr/bin/env -i HOME=/root LOGNAME=root USER=root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /usr/sbin/chroot "$@"
