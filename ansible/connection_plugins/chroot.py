# The image build applies the roles inside the root filesystem it is building. ansible-core has
# no chroot connection (it lives in a collection that is not in Debian's ansible-core), so this
# is the small one the build needs: commands run through chroot(8), files are copied in and out.
from __future__ import annotations

DOCUMENTATION = """
name: chroot
short_description: Run tasks inside a directory with chroot(8)
description: The inventory host name is the root directory. Needs root on the controller.
author: call-center appliance
options:
  remote_addr:
    description: The root directory.
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
"""

import os
import shutil
import subprocess

from ansible.errors import AnsibleError
from ansible.plugins.connection import ConnectionBase


class Connection(ConnectionBase):
    transport = "chroot"
    has_pipelining = True
    has_tty = False
    default_user = "root"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.root = None

    def _connect(self):
        self.root = os.path.abspath(self.get_option("remote_addr"))
        if not os.path.isfile(os.path.join(self.root, "bin", "sh")):
            raise AnsibleError(f"{self.root} is not a root filesystem (no /bin/sh)")
        self._connected = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=False):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        self._connect()
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
            "HOME": "/root",
            "DEBIAN_FRONTEND": "noninteractive",
        }
        p = subprocess.Popen(
            ["chroot", self.root, "/bin/sh", "-c", cmd],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = p.communicate(in_data)
        return p.returncode, out, err

    def _inside(self, path):
        return os.path.join(self.root, os.path.normpath(path).lstrip("/"))

    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        self._connect()
        shutil.copyfile(in_path, self._inside(out_path))

    def fetch_file(self, in_path, out_path):
        super().fetch_file(in_path, out_path)
        self._connect()
        shutil.copyfile(self._inside(in_path), out_path)

    def close(self):
        self._connected = False
