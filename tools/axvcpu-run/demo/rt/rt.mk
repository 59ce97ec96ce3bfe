# SPDX-License-Identifier: MIT
#
# Rules for a guest image built on this runtime. The including Makefile
# sets TOP, BUILD, IMAGE (its name), SRCS (its own .c/.S files) and RT
# (the path of this directory from there), then includes this file. It
# gets $(BUILD)/images/$(IMAGE).elf, an ELF32 Multiboot kernel holding
# 64-bit code, with its objects (and the 64-bit ELF, for gdb) under
# $(BUILD)/images/obj/$(IMAGE)/: each image has its own copy of the
# runtime's objects, so two images can be built at the same time.
#
# The compiler flags are fixed: a freestanding kernel has no use for the
# user's CFLAGS (GUEST_OPT sets the optimisation and debug flags).

IMAGES := $(BUILD)/images
OBJ := $(IMAGES)/obj/$(IMAGE)
ELF := $(IMAGES)/$(IMAGE).elf
ELF64 := $(OBJ)/$(IMAGE).elf64

CC ?= cc
OBJCOPY ?= objcopy
GUEST_OPT ?= -O2 -g
GUEST_CFLAGS := -m64 -std=gnu11 $(GUEST_OPT) -ffreestanding -fno-pic -fno-pie \
	-mno-red-zone -mcmodel=small -mno-sse -mno-mmx -mgeneral-regs-only \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none \
	-fno-tree-loop-distribute-patterns \
	-Wall -Wextra -Werror -I$(RT) -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(RT)/image.ld \
	-Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none

RT_SRCS := $(sort $(wildcard $(RT)/*.c $(RT)/*.S))
OBJS := $(patsubst %,$(OBJ)/%.o,$(basename $(SRCS))) \
	$(patsubst $(RT)/%,$(OBJ)/rt/%.o,$(basename $(RT_SRCS)))

all: $(ELF)

$(OBJ)/rt/%.o: $(RT)/%.c $(RT)/rt.mk
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(OBJ)/rt/%.o: $(RT)/%.S $(RT)/rt.mk
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(OBJ)/%.o: %.c $(RT)/rt.mk
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(ELF64): $(OBJS) $(RT)/image.ld
	$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $(OBJS)

# QEMU's -kernel takes no ELF64 Multiboot kernel: the same segments in an
# ELF32 file (the debug sections stay in the ELF64 one).
$(ELF): $(ELF64)
	$(OBJCOPY) -O elf32-i386 --strip-debug $< $@

clean:
	rm -rf $(OBJ) $(ELF)

.PHONY: all clean

-include $(OBJS:.o=.d)
