# SPDX-License-Identifier: MIT
#
# make bench's picture: axvcpu's time over KVM's per workload, one bar per
# CPU model, from bench-report's bench.dat (a header row, then a row per
# workload: its label and one ratio per boot).
#
#   gnuplot -e "dat='bench.dat'; png='bench.png'; boots=2" bench/plot.gp

set terminal pngcairo size 1100,620 font "DejaVu Sans,10"
set output png
set title "axvcpu / KVM, time (memory for the last) per operation, each CPU model in one boot\n(QEMU TCG: only ratios mean anything; below 1: axvcpu needs less)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set format y "%g"
set ylabel "axvcpu / KVM (log scale)"
set grid ytics
set xtics rotate by -35 scale 0 font ",9" nomirror
set bmargin 9
set key top left
set datafile missing "NaN"
# The line where both take the same.
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 lw 1.5
plot for [i=2:boots+1] dat using i:xtic(1) title columnheader(i)
