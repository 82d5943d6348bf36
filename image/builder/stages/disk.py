"""Stage 6: the raw disk (GPT: BIOS boot, EFI system, ext4 root) and its qcow2.

Built without a loop device or a mount: the root filesystem is made from the directory with
`mkfs.ext4 -d`, the EFI partition with mtools, the partition table with sfdisk on the file,
and each partition is written at its offset with dd. At boot the root partition and its
filesystem grow to fill whatever disk the image was written to.
"""

from __future__ import annotations

import shutil
import uuid as uuidlib

from .. import estimate, grub
from ..context import BuildContext
from ..errors import BuildError

MiB = 1024 * 1024
BIOS_BOOT = (1 * MiB, 1 * MiB)  # (offset, size)
ESP = (2 * MiB, 64 * MiB)
ROOT_OFFSET = 66 * MiB
GPT_TAIL = 1 * MiB  # the backup GPT at the end, rounded up
TYPES = {
    "bios": "21686148-6449-6E6F-744E-656564454649",
    "esp": "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
    "linux": "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
}


def tree_bytes(root) -> int:
    total = 0
    for p in root.rglob("*"):
        try:
            st = p.lstat()
        except OSError:
            continue
        total += (st.st_size + 4095) // 4096 * 4096 if p.is_file() and not p.is_symlink() else 4096
    return total


def disk_needed(rootfs_bytes: int) -> int:
    """The smallest disk for a root filesystem of ROOTFS_BYTES: ext4 metadata and reserved
    blocks, room for the box's database, recordings and logs, and the boot partitions."""
    return int(rootfs_bytes * 1.1) + 512 * MiB + ROOT_OFFSET + GPT_TAIL


def run(ctx: BuildContext) -> str:
    s = ctx.settings
    disk_size = s.disk_bytes // MiB * MiB
    root_size = disk_size - ROOT_OFFSET - GPT_TAIL
    used = tree_bytes(ctx.rootfs)
    if disk_size < disk_needed(used):
        raise BuildError(
            f"setting disk_size: {s.disk_size} is too small: the root filesystem needs "
            f"{disk_needed(used) / 1024**3:.1f}G"
        )
    fs_uuid = str(uuidlib.uuid4())
    _boot_files(ctx, fs_uuid)

    root_img = ctx.work / "root.ext4"
    with open(root_img, "wb") as f:
        f.truncate(root_size)
    ctx.run("mkfs.ext4", "-q", "-F", "-L", "ccroot", "-U", fs_uuid, "-m", "1", "-d", ctx.rootfs, root_img)

    esp_img = ctx.work / "esp.vfat"
    with open(esp_img, "wb") as f:
        f.truncate(ESP[1])
    ctx.run("mkfs.vfat", "-F", "32", "-n", "EFI", esp_img)
    efi = grub.efi_binary(ctx, fs_uuid)
    ctx.run("mmd", "-i", esp_img, "::/EFI", "::/EFI/BOOT")
    ctx.run("mcopy", "-i", esp_img, efi, "::/EFI/BOOT/BOOTX64.EFI")

    raw = ctx.work / f"{s.name}.raw"
    with open(raw, "wb") as f:
        f.truncate(disk_size)
    sec = 512
    table = (
        "\n".join(
            [
                "label: gpt",
                f"start={BIOS_BOOT[0] // sec}, size={BIOS_BOOT[1] // sec}, type={TYPES['bios']}, name=bios",
                f"start={ESP[0] // sec}, size={ESP[1] // sec}, type={TYPES['esp']}, name=efi",
                f"start={ROOT_OFFSET // sec}, size={root_size // sec}, type={TYPES['linux']}, name=root",
            ]
        )
        + "\n"
    )
    ctx.run("sfdisk", "-q", "--no-reread", "--no-tell-kernel", raw, input=table)
    for img, offset in ((esp_img, ESP[0]), (root_img, ROOT_OFFSET)):
        ctx.run(
            "dd",
            f"if={img}",
            f"of={raw}",
            "bs=4M",
            f"seek={offset}",
            "oflag=seek_bytes",
            "conv=notrunc,sparse",
            "status=none",
        )
        img.unlink()
    core = grub.bios_core(ctx, fs_uuid)
    try:
        grub.install_bios(raw, core, BIOS_BOOT[0] // sec, BIOS_BOOT[1] // sec)
    except ValueError as exc:
        raise BuildError(str(exc)) from None
    ctx.artifacts["rootfs"] = ctx.rootfs
    ctx.artifacts["raw"] = raw

    qcow2 = ctx.work / f"{s.name}.qcow2"
    ctx.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-c", "-o", "compression_type=zstd", raw, qcow2)
    ctx.artifacts["qcow2"] = qcow2
    ctx.notes["root_uuid"] = fs_uuid
    ctx.notes["rootfs_bytes"] = str(used)
    # What the next build's disk estimate compares itself with (builder/estimate.py).
    ctx.notes["rootfs_inputs"] = estimate.inputs(s, ctx.engine)
    return f"root filesystem {used / 1e6:,.0f} MB in a {disk_size / 1024**3:.1f}G disk"


def _boot_files(ctx: BuildContext, fs_uuid: str) -> None:
    root = ctx.rootfs
    kernels = sorted((root / "boot").glob("vmlinuz-*"))
    if not kernels:
        raise BuildError(f"setting kernel: no kernel in the root filesystem ({ctx.settings.kernel})")
    version = kernels[-1].name.removeprefix("vmlinuz-")
    initrd = root / "boot" / f"initrd.img-{version}"
    if not initrd.is_file():
        raise BuildError(f"no initramfs for kernel {version}")
    grub_dir = root / "boot" / "grub"
    grub_dir.mkdir(parents=True, exist_ok=True)
    for platform in ("i386-pc", "x86_64-efi"):
        dest = grub_dir / platform
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(
            grub.GRUB_LIB / platform,
            dest,
            ignore=shutil.ignore_patterns("*.module", "*.image", "*.exec", "gdb_*", "config.h"),
        )
    (grub_dir / "grub.cfg").write_text(grub.config(kernels[-1].name, initrd.name, fs_uuid))
    # Flashed onto a bigger disk (or a Vagrant box given a bigger one), the box takes the whole
    # disk at its next boot: systemd-repart grows the root partition into the free space after
    # it (the BIOS boot and EFI partitions have no definition, so they are left as they are),
    # then systemd-growfs grows the mounted ext4. Written here, not by a role: on a fleet
    # machine provisioned over SSH the disk layout is the owner's.
    (root / "etc" / "fstab").write_text(
        f"# Written by image/build\nUUID={fs_uuid}\t/\text4\terrors=remount-ro,x-systemd.growfs\t0\t1\n"
    )
    repart = root / "etc" / "repart.d"
    repart.mkdir(parents=True, exist_ok=True)
    (repart / "50-root.conf").write_text(
        "# Written by image/build: grow the root partition (the last one) to the end of the disk.\n"
        "[Partition]\nType=linux-generic\n"
    )
