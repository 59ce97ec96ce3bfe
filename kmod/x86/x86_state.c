// SPDX-License-Identifier: GPL-2.0
/*
 * Pure x86 register-state code, compiled into the module and into the host
 * unit tests (tests/unit/test_x86_state.c). Only x86_state.h is included,
 * so nothing here may depend on the kernel beyond fixed-width types.
 *
 * The checks follow what hardware and KVM refuse: the consistency checks
 * VMRUN performs (AMD APM vol 2, 15.5.1 "Canonicalization and Consistency
 * Checks"), KVM's SET_SREGS validation (CR0/CR4/EFER reserved bits and the
 * long-mode combinations) and the architectural rules of MOV to CR0/CR4.
 */
#include "x86_state.h"

#define STATE_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The CR0 bits that exist; every other one (31:0 gaps, 63:32) is reserved. */
#define CR0_DEFINED	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | \
			 X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | \
			 X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)

/* RFLAGS reserved bits: 3, 5, 15 and 63:22 must be zero. */
#define RFLAGS_RESERVED	((1ULL << 3) | (1ULL << 5) | (1ULL << 15) | \
			 ~((1ULL << 22) - 1))

/* CR8 holds the task priority, 4 bits. */
#define CR8_RESERVED	(~0xfULL)

/* IA32_APIC_BASE: bits 7:0 and 9 are reserved, 8 is BSP, 10 x2APIC, 11 on. */
#define APIC_BASE_RESERVED_LOW	(0xffULL | (1ULL << 9))
#define APIC_BASE_EXTD		(1ULL << 10)
#define APIC_BASE_ENABLE	(1ULL << 11)
#define APIC_BASE_DEFAULT	0xfee00000ULL

/* The architectural ceiling of physical addresses (and so of CR3). */
#define PHYS_BITS_MAX		52

/* Segment types (APM vol 2, 4.7 and 4.8). */
#define SEG_TYPE_DATA_RW_ACCESSED	0x3
#define SEG_TYPE_CODE_RX_ACCESSED	0xb
#define SEG_TYPE_LDT			0x2
#define SEG_TYPE_TSS_BUSY		0xb

/* Selectors of the flat descriptors the guest is expected to provide. */
#define BOOT_CODE_SELECTOR	0x8
#define BOOT_DATA_SELECTOR	0x10

/* Entry bits of the guest's identity map (APM vol 2, 5.4). */
#define IDMAP_P		(1ULL << 0)
#define IDMAP_RW	(1ULL << 1)
#define IDMAP_A		(1ULL << 5)
#define IDMAP_D		(1ULL << 6)
#define IDMAP_PS	(1ULL << 7)
#define IDMAP_PAGE	4096ULL
#define IDMAP_2M	(1ULL << 21)
#define IDMAP_PDS	4	/* four page directories of 1 GiB each */

#define SZ_4G_BYTES	(1ULL << 32)

static void seg_init(struct axvcpu_segment *seg, u16 selector, u64 base,
		     u32 limit, u8 type, u8 s)
{
	memset(seg, 0, sizeof(*seg));
	seg->selector = selector;
	seg->base = base;
	seg->limit = limit;
	seg->type = type;
	seg->s = s;
	seg->present = 1;
}

/* A flat 4 GiB code or data segment as a boot GDT would describe it. */
static void seg_init_flat(struct axvcpu_segment *seg, u16 selector, u8 type)
{
	seg_init(seg, selector, 0, 0xffffffff, type, 1);
	seg->g = 1;
	seg->db = 1;
}

static int boot_setup_check(const struct axvcpu_setup *setup)
{
	size_t i;

	/* setup->flags are the VCPU's options: the core's, not the boot state's. */
	for (i = 0; i < STATE_ARRAY_SIZE(setup->reserved); i++)
		if (setup->reserved[i])
			return -EINVAL;

	switch (setup->mode) {
	case AXVCPU_MODE_REAL:
		/* CS:IP reaches 1 MiB; SS is 0 with a 16-bit SP. */
		if (setup->page_table_gpa || setup->entry > 0xfffff ||
		    setup->stack > 0xffff)
			return -EINVAL;
		return 0;
	case AXVCPU_MODE_PROTECTED:
		if (setup->page_table_gpa || setup->entry > 0xffffffffULL ||
		    setup->stack > 0xffffffffULL)
			return -EINVAL;
		return 0;
	case AXVCPU_MODE_LONG:
		/*
		 * The tables must be page aligned and every address written
		 * into their entries must fit an entry's 52-bit field.
		 */
		if (setup->page_table_gpa & (IDMAP_PAGE - 1) ||
		    setup->page_table_gpa >
		    (1ULL << PHYS_BITS_MAX) - X86_IDMAP_BYTES)
			return -EINVAL;
		/*
		 * Only the identity-mapped 4 GiB exist when the guest starts:
		 * an entry outside them would fault on the first fetch and
		 * end in a triple fault, better refused here. A stack of
		 * exactly 4 GiB is fine, the first push lands below it.
		 */
		if (setup->entry >= SZ_4G_BYTES || setup->stack > SZ_4G_BYTES)
			return -EINVAL;
		return 0;
	default:
		/* AXVCPU_MODE_CUSTOM included: the caller keeps its state. */
		return -EINVAL;
	}
}

/*
 * Register state of the boot modes. Choices worth knowing:
 *
 *  - CR0.ET|NE everywhere: caching on (CD/NW clear, unlike the reset value)
 *    and native x87 error reporting, so guest floating point behaves as on
 *    any modern OS. Long mode adds MP and WP (as every 64-bit OS sets them).
 *  - Long mode sets CR4.OSFXSR|OSXMMEXCPT: the test guests are compiled C,
 *    and x86-64 compilers emit SSE freely; without OSFXSR the first SSE
 *    instruction raises #UD. EFER is LME|LMA only: no NXE (the identity map
 *    marks nothing NX) and no SCE (no SYSCALL MSRs are set up, so SYSCALL
 *    should #UD rather than jump to LSTAR = 0).
 *  - Segment registers hold flat descriptors with selectors 0x8 (code) and
 *    0x10 (data) in protected and long mode. The hidden parts are what the
 *    hardware uses; GDTR is not consulted until the guest reloads a segment
 *    register, so a guest must build its own GDT (null, code at 0x8, data
 *    at 0x10) before doing that, and its own IDT before taking interrupts.
 *  - GDTR/IDTR have limit 0 outside real mode: an exception before the
 *    guest loaded its own IDT becomes a triple fault (a SYSTEM_DOWN exit)
 *    instead of a jump through whatever happens to lie at address 0. Real
 *    mode keeps the reset IVT at 0 with limit 0xffff.
 *  - TR is a busy 32-bit TSS and LDTR a present LDT, both empty: hardware
 *    wants them present and never reads them unless the guest switches
 *    tasks or loads an LDT selector.
 *  - IA32_APIC_BASE is the reset value with the APIC enabled; the BSP bit
 *    is left to the caller, which knows the VCPU id.
 */
int x86_boot_state(const struct axvcpu_setup *setup, struct axvcpu_regs *regs,
		   struct axvcpu_sregs *sregs)
{
	struct axvcpu_segment *data[] = {
		&sregs->ds, &sregs->es, &sregs->fs, &sregs->gs, &sregs->ss,
	};
	size_t i;
	int ret;

	ret = boot_setup_check(setup);
	if (ret)
		return ret;

	memset(regs, 0, sizeof(*regs));
	memset(sregs, 0, sizeof(*sregs));
	regs->rflags = X86_RFLAGS_FIXED;
	regs->rsp = setup->stack;

	seg_init(&sregs->tr, 0, 0, 0xffff, SEG_TYPE_TSS_BUSY, 0);
	seg_init(&sregs->ldt, 0, 0, 0xffff, SEG_TYPE_LDT, 0);
	sregs->apic_base = APIC_BASE_DEFAULT | APIC_BASE_ENABLE;
	sregs->cr0 = X86_CR0_ET | X86_CR0_NE;

	switch (setup->mode) {
	case AXVCPU_MODE_REAL:
		seg_init(&sregs->cs, setup->entry >> 4, setup->entry & ~0xfULL,
			 0xffff, SEG_TYPE_CODE_RX_ACCESSED, 1);
		for (i = 0; i < STATE_ARRAY_SIZE(data); i++)
			seg_init(data[i], 0, 0, 0xffff,
				 SEG_TYPE_DATA_RW_ACCESSED, 1);
		sregs->gdt.limit = 0xffff;
		sregs->idt.limit = 0xffff;
		regs->rip = setup->entry & 0xf;
		break;
	case AXVCPU_MODE_PROTECTED:
		seg_init_flat(&sregs->cs, BOOT_CODE_SELECTOR,
			      SEG_TYPE_CODE_RX_ACCESSED);
		for (i = 0; i < STATE_ARRAY_SIZE(data); i++)
			seg_init_flat(data[i], BOOT_DATA_SELECTOR,
				      SEG_TYPE_DATA_RW_ACCESSED);
		sregs->cr0 |= X86_CR0_PE;
		regs->rip = setup->entry;
		break;
	case AXVCPU_MODE_LONG:
		seg_init_flat(&sregs->cs, BOOT_CODE_SELECTOR,
			      SEG_TYPE_CODE_RX_ACCESSED);
		/* A 64-bit code segment has L set and D clear. */
		sregs->cs.l = 1;
		sregs->cs.db = 0;
		for (i = 0; i < STATE_ARRAY_SIZE(data); i++)
			seg_init_flat(data[i], BOOT_DATA_SELECTOR,
				      SEG_TYPE_DATA_RW_ACCESSED);
		sregs->cr0 |= X86_CR0_PE | X86_CR0_MP | X86_CR0_WP |
			      X86_CR0_PG;
		sregs->cr3 = setup->page_table_gpa;
		sregs->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
		sregs->efer = X86_EFER_LME | X86_EFER_LMA;
		regs->rip = setup->entry;
		break;
	}
	return 0;
}

/*
 * Stored byte by byte in little-endian order: @buf has no alignment
 * guarantee, and the guest reads the tables as little-endian whatever the
 * host running the unit tests is.
 */
static void idmap_put(u8 *buf, size_t index, u64 entry)
{
	int i;

	for (i = 0; i < 8; i++)
		buf[index * 8 + i] = (u8)(entry >> (8 * i));
}

/*
 * Layout: page 0 PML4, page 1 PDPT, pages 2..5 one PD per GiB. 2 MiB pages
 * keep it to six pages for 4 GiB. A and D are preset so the guest's walker
 * never writes to these tables (they may sit in memory the VMM maps
 * read-only to the guest). US stays clear: the guest runs at CPL 0.
 */
void x86_identity_map_build(u64 pt_gpa, void *buf)
{
	const size_t per_page = IDMAP_PAGE / 8;
	u8 *out = buf;
	size_t pd, i;

	memset(out, 0, X86_IDMAP_BYTES);

	idmap_put(out, 0, (pt_gpa + IDMAP_PAGE) | IDMAP_P | IDMAP_RW | IDMAP_A);
	for (pd = 0; pd < IDMAP_PDS; pd++) {
		u64 pd_gpa = pt_gpa + (2 + pd) * IDMAP_PAGE;

		idmap_put(out, per_page + pd,
			  pd_gpa | IDMAP_P | IDMAP_RW | IDMAP_A);
		for (i = 0; i < per_page; i++) {
			u64 pa = (pd * per_page + i) * IDMAP_2M;

			idmap_put(out, (2 + pd) * per_page + i,
				  pa | IDMAP_P | IDMAP_RW | IDMAP_A | IDMAP_D |
				  IDMAP_PS);
		}
	}
}

/* Every field of a segment register within its architectural width. */
static bool segment_valid(const struct axvcpu_segment *seg)
{
	return seg->type <= 15 && seg->dpl <= 3 && seg->present <= 1 &&
	       seg->db <= 1 && seg->s <= 1 && seg->l <= 1 && seg->g <= 1 &&
	       seg->avl <= 1 && seg->unusable <= 1 && !seg->pad;
}

static bool dtable_valid(const struct axvcpu_dtable *dt)
{
	return !dt->pad[0] && !dt->pad[1] && !dt->pad[2];
}

/* Bits at and above @bits (clamped to the architectural 52) are reserved. */
static u64 phys_reserved(u32 bits)
{
	if (bits > PHYS_BITS_MAX)
		bits = PHYS_BITS_MAX;
	return ~0ULL << bits;
}

static bool apic_base_valid(u64 apic_base, u32 maxphyaddr)
{
	if (apic_base & (APIC_BASE_RESERVED_LOW | phys_reserved(maxphyaddr)))
		return false;
	/* x2APIC mode without the APIC enabled is an invalid state. */
	return !(apic_base & APIC_BASE_EXTD) || (apic_base & APIC_BASE_ENABLE);
}

static bool cr0_valid(u64 cr0)
{
	if (cr0 & ~CR0_DEFINED)
		return false;
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return false;
	/* Not-write-through without cache-disable is undefined (VMRUN). */
	return !(cr0 & X86_CR0_NW) || (cr0 & X86_CR0_CD);
}

/*
 * The paging-mode combination. LMA is an output of the hardware: it equals
 * LME && PG, so with PG set it must match LME and with PG clear it must be
 * clear. Long mode needs PAE. The CR3 format depends on the mode: 52-bit
 * (MAXPHYADDR) in long mode, 32 bits in every legacy mode.
 */
static bool paging_valid(const struct axvcpu_sregs *s, u32 maxphyaddr)
{
	bool pg = s->cr0 & X86_CR0_PG;
	bool lme = s->efer & X86_EFER_LME;
	bool lma = s->efer & X86_EFER_LMA;

	if (lma != (lme && pg))
		return false;
	/*
	 * EFER.LME without CR4.PAE is architectural while paging is off,
	 * but QEMU 7.2's TCG, the machine axvcpu is tested on, loses the
	 * host's CR0 at the next #VMEXIT from that state and the host runs
	 * on with paging off: refused, as svm_efer_write() refuses a guest
	 * setting LME before PAE (the order both vendors prescribe anyway).
	 */
	if (lme && !(s->cr4 & X86_CR4_PAE))
		return false;
	if (lma) {
		if (!(s->cr4 & X86_CR4_PAE))
			return false;
		if (s->cr3 & phys_reserved(maxphyaddr))
			return false;
		/* L and D together are reserved for a code segment (VMRUN). */
		if (s->cs.l && s->cs.db)
			return false;
		return true;
	}
	if (s->cr3 >> 32)
		return false;
	/* PCIDE can only be set, and stay set, in long mode. */
	if (s->cr4 & X86_CR4_PCIDE)
		return false;
	/* A 64-bit code segment outside long mode cannot exist. */
	return !s->cs.l;
}

int x86_sregs_check(const struct axvcpu_sregs *s, const struct x86_cpu_limits *lim)
{
	const struct axvcpu_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	size_t i;

	for (i = 0; i < STATE_ARRAY_SIZE(segs); i++)
		if (!segment_valid(segs[i]))
			return -EINVAL;
	if (!dtable_valid(&s->gdt) || !dtable_valid(&s->idt))
		return -EINVAL;
	for (i = 0; i < STATE_ARRAY_SIZE(s->reserved); i++)
		if (s->reserved[i])
			return -EINVAL;

	if (!cr0_valid(s->cr0))
		return -EINVAL;
	if (s->cr4 & ~lim->cr4_mask)
		return -EINVAL;
	/* SVME belongs to the host; the guest never sees it set. */
	if (s->efer & (~lim->efer_mask | X86_EFER_SVME))
		return -EINVAL;
	if (s->cr8 & CR8_RESERVED)
		return -EINVAL;
	if (!apic_base_valid(s->apic_base, lim->maxphyaddr))
		return -EINVAL;
	if (!paging_valid(s, lim->maxphyaddr))
		return -EINVAL;
	return 0;
}

bool x86_entry_state_valid(u64 cr0, u64 cr3, u64 cr4, u64 efer, bool cs_ld,
			   const struct x86_cpu_limits *lim)
{
	if (!cr0_valid(cr0) || (cr4 & ~lim->cr4_mask) ||
	    (efer & ~(lim->efer_mask | X86_EFER_SVME)))
		return false;
	if (!(efer & X86_EFER_LMA))
		return true;
	return (cr4 & X86_CR4_PAE) && !(cr3 & phys_reserved(lim->maxphyaddr)) && !cs_ld;
}

int x86_cr4_write_check(u64 cr4, u64 old, u64 efer, u64 cr3,
			const struct x86_cpu_limits *lim)
{
	bool lma = efer & X86_EFER_LMA;

	if (cr4 & ~lim->cr4_mask)
		return -EINVAL;
	if ((efer & X86_EFER_LME) && !(cr4 & X86_CR4_PAE))
		return -EINVAL;
	if (lma && ((cr4 ^ old) & X86_CR4_LA57))
		return -EINVAL;
	if (cr4 & X86_CR4_PCIDE) {
		if (!lma)
			return -EINVAL;
		if (!(old & X86_CR4_PCIDE) && (cr3 & 0xfff))
			return -EINVAL;
	}
	return 0;
}

bool x86_cr4_write_flushes(u64 cr4, u64 old)
{
	u64 paging = X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE | X86_CR4_SMEP |
		     X86_CR4_SMAP | X86_CR4_PKE | X86_CR4_LA57;

	return ((cr4 ^ old) & paging) || ((old & ~cr4) & X86_CR4_PCIDE);
}

int x86_regs_check(const struct axvcpu_regs *r)
{
	if (!(r->rflags & X86_RFLAGS_FIXED) || (r->rflags & RFLAGS_RESERVED))
		return -EINVAL;
	return 0;
}

u16 x86_segment_attr_pack(const struct axvcpu_segment *seg)
{
	return (seg->type & 0xf) | (seg->s & 1) << 4 | (seg->dpl & 3) << 5 |
	       (seg->present & 1) << 7 | (seg->avl & 1) << 8 |
	       (seg->l & 1) << 9 | (seg->db & 1) << 10 | (seg->g & 1) << 11;
}

void x86_segment_attr_unpack(u16 attr, struct axvcpu_segment *seg)
{
	seg->type = attr & 0xf;
	seg->s = (attr >> 4) & 1;
	seg->dpl = (attr >> 5) & 3;
	seg->present = (attr >> 7) & 1;
	seg->avl = (attr >> 8) & 1;
	seg->l = (attr >> 9) & 1;
	seg->db = (attr >> 10) & 1;
	seg->g = (attr >> 11) & 1;
}
