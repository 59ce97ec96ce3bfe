// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 backends, best first: the core probes them in this order at
 * load and keeps the first that answers. VMX joins the list when it
 * exists; on a CPU without SVM the SVM probe refuses with -ENODEV.
 */
#include "svm.h"

const struct axvcpu_arch_ops *const axvcpu_arch_backends[] = {
	&svm_arch_ops,
	NULL,
};
