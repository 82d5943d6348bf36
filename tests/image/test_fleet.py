"""Fleet: ansible/site.yml provisions a running machine over SSH with the roles the image was
built from. Against the booted image it must find nothing to change (the roles are idempotent
and the image is what they describe)."""

from __future__ import annotations

import re
import subprocess

from .conftest import BUILD, REPO, need


def test_site_playbook_over_ssh_changes_nothing(vm, tmp_path):
    need("ansible-playbook")
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        "[callcenter]\n"
        # The host name "vm" picks the VM's entry in its ssh_config (forwarded port, key, and the
        # host key it made at first boot accepted without a known_hosts file).
        f"vm ansible_host=vm ansible_user=admin ansible_ssh_private_key_file={vm.key} "
        f"ansible_ssh_common_args='-F {vm.ssh_config()}'\n"
    )
    r = subprocess.run(
        [
            "ansible-playbook",
            "-i",
            str(inventory),
            "-e",
            f"@{BUILD / 'ansible-vars.json'}",
            str(REPO / "ansible" / "site.yml"),
        ],
        env={
            "ANSIBLE_CONFIG": str(REPO / "ansible" / "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "HOME": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    recap = re.search(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", r.stdout)
    changed = [line for line in r.stdout.splitlines() if line.startswith("changed:")]
    assert recap and int(recap.group(2)) == 0, "\n".join(changed) or r.stdout[-3000:]
    assert int(recap.group(1)) > 20
