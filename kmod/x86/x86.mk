# SPDX-License-Identifier: GPL-2.0
# Objects of the x86 backends, included by the top-level Kbuild.

# Shared x86 pieces: nested page tables and pure register-state code.
axvcpu-$(CONFIG_X86_64) += kmod/x86/npt.o kmod/x86/x86_state.o
# Pure instruction decoder (MMIO emulation, instruction lengths).
axvcpu-$(CONFIG_X86_64) += kmod/x86/x86_decode.o

# Pure guest address translation and ALU (MMIO and string I/O emulation).
axvcpu-$(CONFIG_X86_64) += kmod/x86/x86_walk.o kmod/x86/x86_alu.o

# AMD SVM.
axvcpu-$(CONFIG_X86_64) += kmod/x86/backends.o kmod/x86/svm.o kmod/x86/svm_vcpu.o \
			   kmod/x86/svm_exit.o kmod/x86/svm_event.o kmod/x86/svm_cpuid.o \
			   kmod/x86/svm_apic.o kmod/x86/svm_run.o kmod/x86/svm_vmrun.o

# SVM instruction emulation (MMIO, string I/O, instruction lengths).
axvcpu-$(CONFIG_X86_64) += kmod/x86/svm_emul.o kmod/x86/svm_strio.o
