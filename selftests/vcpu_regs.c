// SPDX-License-Identifier: MIT
/*
 * vcpu_regs: GET/SET_REGS and GET/SET_SREGS round trip in real, protected
 * and long mode; the guest sees what SET_SREGS loaded and GET_SREGS sees
 * what the guest wrote; invalid system registers (CR0.PG without PE,
 * LME|PG without PAE, LMA mismatch, CS.L outside long mode, reserved
 * CR0/CR3/CR4/EFER bits, EFER.SVME, out-of-range fields, padding) and
 * invalid RFLAGS fail with -EINVAL and leave the old values in place.
 */
#include <inttypes.h>

#include "guest.h"

static void expect_seg_eq(const char *name, const struct axvcpu_segment *a,
			  const struct axvcpu_segment *b)
{
	if (!memcmp(a, b, sizeof(*a)))
		return;
	test_fail_at(__FILE__, __LINE__,
		     "%s: base 0x%llx/0x%llx limit 0x%x/0x%x sel 0x%x/0x%x type %u/%u p %u/%u "
		     "dpl %u/%u db %u/%u s %u/%u l %u/%u g %u/%u avl %u/%u unusable %u/%u",
		     name, (unsigned long long)a->base, (unsigned long long)b->base, a->limit,
		     b->limit, a->selector, b->selector, a->type, b->type, a->present,
		     b->present, a->dpl, b->dpl, a->db, b->db, a->s, b->s, a->l, b->l, a->g,
		     b->g, a->avl, b->avl, a->unusable, b->unusable);
}

/* Every field of two sregs equal, naming the first that is not. */
static void expect_sregs_eq(const struct axvcpu_sregs *a, const struct axvcpu_sregs *b)
{
	expect_seg_eq("cs", &a->cs, &b->cs);
	expect_seg_eq("ds", &a->ds, &b->ds);
	expect_seg_eq("es", &a->es, &b->es);
	expect_seg_eq("fs", &a->fs, &b->fs);
	expect_seg_eq("gs", &a->gs, &b->gs);
	expect_seg_eq("ss", &a->ss, &b->ss);
	expect_seg_eq("tr", &a->tr, &b->tr);
	expect_seg_eq("ldt", &a->ldt, &b->ldt);
	TEST_ASSERT_EQ(a->gdt.base, b->gdt.base);
	TEST_ASSERT_EQ(a->gdt.limit, b->gdt.limit);
	TEST_ASSERT_EQ(a->idt.base, b->idt.base);
	TEST_ASSERT_EQ(a->idt.limit, b->idt.limit);
	TEST_ASSERT_EQ(a->cr0, b->cr0);
	TEST_ASSERT_EQ(a->cr2, b->cr2);
	TEST_ASSERT_EQ(a->cr3, b->cr3);
	TEST_ASSERT_EQ(a->cr4, b->cr4);
	TEST_ASSERT_EQ(a->cr8, b->cr8);
	TEST_ASSERT_EQ(a->efer, b->efer);
	TEST_ASSERT_EQ(a->apic_base, b->apic_base);
	TEST_ASSERT(!memcmp(a, b, sizeof(*a)), "padding or reserved fields differ");
}

static void expect_regs_eq(const struct axvcpu_regs *a, const struct axvcpu_regs *b)
{
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;
	unsigned int i;

	for (i = 0; i < sizeof(*a) / 8; i++)
		TEST_ASSERT_EQ(x[i], y[i]);
}

static void regs_round_trip(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct axvcpu_regs set, got;
	uint64_t *v = (uint64_t *)&set;
	unsigned int i;

	for (i = 0; i < 16; i++)
		v[i] = 0x0101010101010101ULL * (i + 1) ^ (1ULL << (63 - i));
	set.rip = 0x4321;
	/* CF, PF, AF, ZF, SF, TF off, IF, DF, OF: every defined low flag. */
	set.rflags = X86_RFLAGS_FIXED | 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x200 | 0x400 | 0x800;
	vcpu_regs_set(vcpu, &set);
	vcpu_regs_get(vcpu, &got);
	expect_regs_eq(&got, &set);
	vm_free(vm);
}

/* SET_SREGS of what GET_SREGS returned changes nothing, in every mode. */
static void sregs_round_trip_mode(uint32_t mode)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *vcpu = vm_vcpu_create(vm, 0);
	struct axvcpu_setup setup = {
		.entry = 0x8000, .mode = mode, .stack = 0x7000,
		.page_table_gpa = mode == AXVCPU_MODE_LONG ? GUEST_KERNEL_PT_GPA : 0,
	};
	struct axvcpu_sregs first, again;

	TEST_ASSERT_OK(axvcpu_vcpu_setup(&vcpu->h, &setup));
	vcpu_sregs_get(vcpu, &first);
	vcpu_sregs_set(vcpu, &first);
	vcpu_sregs_get(vcpu, &again);
	expect_sregs_eq(&again, &first);

	/* Change what may change in this mode, and read it back. */
	first.cr2 = 0xdead000;
	first.cr8 = 9;
	first.gdt.base = 0x12340;
	first.gdt.limit = 0x3ff;
	first.idt.base = 0x56780;
	first.idt.limit = 0x7ff;
	first.fs.base = mode == AXVCPU_MODE_LONG ? 0x7fff00001000ULL : 0x10000;
	first.gs.selector = mode == AXVCPU_MODE_REAL ? 0x1234 : 0x10;
	vcpu_sregs_set(vcpu, &first);
	vcpu_sregs_get(vcpu, &again);
	expect_sregs_eq(&again, &first);
	vm_free(vm);
}

static void sregs_round_trip_real(void)
{
	sregs_round_trip_mode(AXVCPU_MODE_REAL);
}

static void sregs_round_trip_protected(void)
{
	sregs_round_trip_mode(AXVCPU_MODE_PROTECTED);
}

static void sregs_round_trip_long(void)
{
	sregs_round_trip_mode(AXVCPU_MODE_LONG);
}

/* ---- the guest sees SET_SREGS, GET_SREGS sees the guest ------------------ */

static void guest_control_regs(void)
{
	uint64_t cr0, cr2, cr3, cr4, cr8;

	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("mov %%cr8, %0" : "=r"(cr8));
	GUEST_SYNC2(cr0, cr3);
	GUEST_SYNC2(cr4, cr8);
	GUEST_SYNC(cr2);
	asm volatile("mov %0, %%cr2" : : "r"(0xabc000ULL));
	asm volatile("mov %0, %%cr8" : : "r"(3ULL));
	GUEST_SYNC(0);
}

static void guest_sees_sregs(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_control_regs);
	struct axvcpu_sregs s;
	struct ucall uc;

	vcpu_sregs_get(vcpu, &s);
	s.cr2 = 0x5555000;
	s.cr8 = 6;
	vcpu_sregs_set(vcpu, &s);

	vcpu_run_ucall(vcpu, &uc);
	ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], s.cr0);
	TEST_ASSERT_EQ(uc.args[1], s.cr3);
	vcpu_run_ucall(vcpu, &uc);
	ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
	/* The guest entry may have added OSXSAVE; everything else is ours. */
	TEST_ASSERT_EQ(uc.args[0] & ~X86_CR4_OSXSAVE, s.cr4);
	TEST_ASSERT_EQ(uc.args[1], 6);
	vcpu_expect_sync(vcpu, 0x5555000);
	vcpu_expect_sync(vcpu, 0);
	vcpu_sregs_get(vcpu, &s);
	TEST_ASSERT_EQ(s.cr2, 0xabc000);
	TEST_ASSERT_EQ(s.cr8, 3);
	vm_free(vm);
}

/* ---- invalid values ------------------------------------------------------ */

typedef void (*sregs_mutation_t)(struct axvcpu_sregs *s);

#define MUTATION(name, body)						\
	static void name(struct axvcpu_sregs *s) { body; }

/* Long mode (the framework's 64-bit state). */
MUTATION(pg_without_pe, s->cr0 &= ~X86_CR0_PE)
MUTATION(long_without_pae, s->cr4 &= ~X86_CR4_PAE)
MUTATION(lma_without_lme, s->efer &= ~X86_EFER_LME)
MUTATION(lme_pg_without_lma, s->efer &= ~X86_EFER_LMA)
MUTATION(cs_l_and_d, s->cs.db = 1)
MUTATION(cr0_high_bits, s->cr0 |= 1ULL << 32)
MUTATION(cr0_nw_without_cd, s->cr0 |= X86_CR0_NW)
MUTATION(cr3_beyond_maxphyaddr, s->cr3 |= 1ULL << 62)
MUTATION(cr4_reserved_31, s->cr4 |= 1ULL << 31)
MUTATION(cr4_reserved_63, s->cr4 |= 1ULL << 63)
MUTATION(efer_reserved_2, s->efer |= 1ULL << 2)
MUTATION(efer_reserved_63, s->efer |= 1ULL << 63)
MUTATION(efer_svme, s->efer |= X86_EFER_SVME)
MUTATION(cr8_reserved, s->cr8 = 16)
MUTATION(seg_type_16, s->ds.type = 16)
MUTATION(seg_dpl_4, s->ss.dpl = 4)
MUTATION(seg_flag_2, s->es.g = 2)
MUTATION(seg_pad, s->fs.pad = 1)
MUTATION(dtable_pad, s->gdt.pad[1] = 1)
MUTATION(reserved_field, s->reserved[7] = 1)
MUTATION(apic_base_reserved, s->apic_base |= 1ULL << 9)
/* Protected mode (no paging). */
MUTATION(cs_l_outside_long, s->cs.l = 1; s->cs.db = 0)
MUTATION(lma_without_paging, s->efer |= X86_EFER_LMA)
MUTATION(cr3_high_legacy, s->cr3 = 1ULL << 32)

static const struct {
	const char *name;
	sregs_mutation_t fn;
	bool protected_mode;
} mutations[] = {
#define M(fn, prot) { #fn, fn, prot }
	M(pg_without_pe, false), M(long_without_pae, false), M(lma_without_lme, false),
	M(lme_pg_without_lma, false), M(cs_l_and_d, false), M(cr0_high_bits, false),
	M(cr0_nw_without_cd, false), M(cr3_beyond_maxphyaddr, false),
	M(cr4_reserved_31, false), M(cr4_reserved_63, false), M(efer_reserved_2, false),
	M(efer_reserved_63, false), M(efer_svme, false), M(cr8_reserved, false),
	M(seg_type_16, false), M(seg_dpl_4, false), M(seg_flag_2, false),
	M(seg_pad, false), M(dtable_pad, false), M(reserved_field, false),
	M(apic_base_reserved, false),
	M(cs_l_outside_long, true), M(lma_without_paging, true), M(cr3_high_legacy, true),
#undef M
};

static void invalid_sregs_refused(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *lm = vm_vcpu_add(vm, 0, NULL);
	struct guest_vcpu *pm = vm_vcpu_create(vm, 1);
	struct axvcpu_setup setup = { .entry = 0x8000, .mode = AXVCPU_MODE_PROTECTED };
	struct axvcpu_sregs good_lm, good_pm, bad, now;
	unsigned int i;

	TEST_ASSERT_OK(axvcpu_vcpu_setup(&pm->h, &setup));
	vcpu_sregs_get(lm, &good_lm);
	vcpu_sregs_get(pm, &good_pm);

	for (i = 0; i < ARRAY_SIZE(mutations); i++) {
		struct guest_vcpu *vcpu = mutations[i].protected_mode ? pm : lm;
		const struct axvcpu_sregs *good = mutations[i].protected_mode ? &good_pm : &good_lm;
		int ret;

		bad = *good;
		mutations[i].fn(&bad);
		ret = axvcpu_vcpu_set_sregs(&vcpu->h, &bad);
		if (ret != -EINVAL)
			test_fail_at(__FILE__, __LINE__,
				     "%s: SET_SREGS returned %d (%s), not -EINVAL",
				     mutations[i].name, ret, test_errno_name(ret));
		vcpu_sregs_get(vcpu, &now);
		expect_sregs_eq(&now, good);
	}
	vm_free(vm);
}

static void invalid_rflags_refused(void)
{
	static const uint64_t bad_flags[] = {
		0,			/* bit 1 clear */
		0x202 & ~X86_RFLAGS_FIXED,
		X86_RFLAGS_FIXED | (1ULL << 3),
		X86_RFLAGS_FIXED | (1ULL << 5),
		X86_RFLAGS_FIXED | (1ULL << 15),
		X86_RFLAGS_FIXED | (1ULL << 22),
		X86_RFLAGS_FIXED | (1ULL << 63),
	};
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	struct axvcpu_regs good, bad, now;
	unsigned int i;

	vcpu_regs_get(vcpu, &good);
	good.rbx = 0x1111;
	vcpu_regs_set(vcpu, &good);
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		bad = good;
		bad.rbx = 0x2222;
		bad.rip = 0x3333;
		bad.rflags = bad_flags[i];
		TEST_ASSERT_ERRNO(axvcpu_vcpu_set_regs(&vcpu->h, &bad), -EINVAL);
		vcpu_regs_get(vcpu, &now);
		expect_regs_eq(&now, &good);
	}
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(regs_round_trip),
	TEST_CASE(sregs_round_trip_real),
	TEST_CASE(sregs_round_trip_protected),
	TEST_CASE(sregs_round_trip_long),
	TEST_CASE(guest_sees_sregs),
	TEST_CASE(invalid_sregs_refused),
	TEST_CASE(invalid_rflags_refused),
};

int main(void)
{
	return test_run_all(cases);
}
