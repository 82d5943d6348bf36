"""The build, in order. Each stage is a function of the one build context.

1. bootstrap   Debian 12 root filesystem with mmdebstrap (cached by its inputs)
2. drivers     DAHDI's modules for the image's kernel checked; dkms, compilers, headers dropped
3. packages    the engine (bundled prefix) and ccctl's wheels, ready for the roles
4. roles       ansible/image.yml applied inside the root filesystem (chroot connection)
5. firstboot   the first-boot unit armed; every generated secret and host key removed
6. disk        raw GPT disk: BIOS boot + EFI system + ext4 root, GRUB for both firmwares; qcow2
7. box         Vagrant box for the libvirt provider
"""

from . import bootstrap, box, disk, drivers, firstboot, packages, roles

STAGES = [
    ("bootstrap", bootstrap.run),
    ("drivers", drivers.run),
    ("packages", packages.run),
    ("roles", roles.run),
    ("firstboot", firstboot.run),
    ("disk", disk.run),
    ("box", box.run),
]
