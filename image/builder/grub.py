"""GRUB for both firmwares on a disk image file, without a loop device or grub-install.

BIOS: GRUB's boot.img goes in the MBR (the partition table kept) and core.img in the BIOS boot
partition; the two sector addresses grub-bios-setup would patch in are written here.
UEFI: a standalone BOOTX64.EFI on the EFI system partition (the removable-media path, so no
NVRAM entry is needed). Both find the root filesystem by UUID and read /boot/grub/grub.cfg.
"""

from __future__ import annotations

import struct
from pathlib import Path

from .context import BuildContext

GRUB_LIB = Path("/usr/lib/grub")
SECTOR = 512
# Offsets in GRUB 2's i386-pc boot.img and diskboot.img (grub/include/grub/i386/pc/boot.h).
KERNEL_SECTOR = 0x5C
MBR_PARTITION_TABLE = 0x1B8  # disk signature + partition table + 0x55AA, kept from the disk
BLOCKLIST = SECTOR - 12  # diskboot.img: start (u64), length (u16), segment (u16)

MODULES = [
    "part_gpt",
    "part_msdos",
    "ext2",
    "search",
    "search_fs_uuid",
    "configfile",
    "normal",
    "linux",
    "echo",
    "test",
    "gzio",
    "serial",
    "terminal",
]


def early_config(ctx: BuildContext, uuid: str) -> Path:
    cfg = ctx.work / "grub-early.cfg"
    cfg.write_text(
        f"search --no-floppy --fs-uuid --set=root {uuid}\n"
        "set prefix=($root)/boot/grub\n"
        "configfile ($root)/boot/grub/grub.cfg\n"
    )
    return cfg


def bios_core(ctx: BuildContext, uuid: str) -> Path:
    core = ctx.work / "core.img"
    ctx.run(
        "grub-mkimage",
        "-O",
        "i386-pc",
        "-o",
        core,
        "-p",
        "/boot/grub",
        "-c",
        early_config(ctx, uuid),
        *MODULES,
        "biosdisk",
    )
    return core


def efi_binary(ctx: BuildContext, uuid: str) -> Path:
    efi = ctx.work / "BOOTX64.EFI"
    ctx.run(
        "grub-mkimage",
        "-O",
        "x86_64-efi",
        "-o",
        efi,
        "-p",
        "/boot/grub",
        "-c",
        early_config(ctx, uuid),
        *MODULES,
        "fat",
        "part_gpt",
        "efi_gop",
        "efi_uga",
        "all_video",
    )
    return efi


def install_bios(disk: Path, core: Path, core_lba: int, max_sectors: int) -> None:
    """boot.img in the MBR pointing at core.img, written at CORE_LBA (the BIOS boot partition)."""
    boot = bytearray((GRUB_LIB / "i386-pc" / "boot.img").read_bytes())
    data = bytearray(core.read_bytes())
    sectors = -(-len(data) // SECTOR)
    if sectors > max_sectors:
        raise ValueError(f"core.img is {sectors} sectors; the BIOS boot partition holds {max_sectors}")
    with open(disk, "r+b") as f:
        mbr = f.read(SECTOR)
        boot[MBR_PARTITION_TABLE:SECTOR] = mbr[MBR_PARTITION_TABLE:SECTOR]
        struct.pack_into("<Q", boot, KERNEL_SECTOR, core_lba)
        # diskboot.img (core.img's first sector) loads the rest: sectors-1 from core_lba+1.
        start, _, segment = struct.unpack_from("<QHH", data, BLOCKLIST)
        struct.pack_into("<QHH", data, BLOCKLIST, core_lba + 1, sectors - 1, segment)
        f.seek(0)
        f.write(boot)
        f.seek(core_lba * SECTOR)
        f.write(data)


def config(kernel: str, initrd: str, uuid: str) -> str:
    return f"""# Written by image/build. Serial console too, so a headless box (or a VM) shows the boot.
set timeout=1
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
menuentry "Call-center appliance" {{
    search --no-floppy --fs-uuid --set=root {uuid}
    linux /boot/{kernel} root=UUID={uuid} ro console=tty0 console=ttyS0,115200n8 quiet
    initrd /boot/{initrd}
}}
"""
