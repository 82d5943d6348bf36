"""Stage 7: the Vagrant box for the libvirt provider (the qcow2, its metadata, a Vagrantfile)."""

from __future__ import annotations

import json
import os

from ..context import BuildContext

BOX_VAGRANTFILE = """# Defaults inside the box; the project's Vagrantfile adds the administrator's key.
Vagrant.configure("2") do |config|
  config.ssh.username = "{user}"
  config.ssh.insert_key = false
  config.vm.synced_folder ".", "/vagrant", disabled: true
  config.vm.provider :libvirt do |lv|
    lv.driver = "kvm"
    lv.disk_bus = "virtio"
  end
end
"""


def run(ctx: BuildContext) -> str:
    s = ctx.settings
    qcow2 = ctx.artifacts["qcow2"]
    d = ctx.work / "box"
    d.mkdir()
    os.link(qcow2, d / "box.img")
    virtual_gb = -(-s.disk_bytes // 1024**3)
    (d / "metadata.json").write_text(
        json.dumps({"provider": "libvirt", "format": "qcow2", "virtual_size": virtual_gb}) + "\n"
    )
    (d / "Vagrantfile").write_text(BOX_VAGRANTFILE.format(user=s.admin_user))
    box = ctx.work / f"{s.name}.box"
    # The qcow2 inside is compressed already: a plain tar.
    ctx.run("tar", "-C", d, "-cf", box, "metadata.json", "Vagrantfile", "box.img")
    (d / "box.img").unlink()
    ctx.artifacts["box"] = box
    return f"libvirt box, {virtual_gb}G virtual disk"
