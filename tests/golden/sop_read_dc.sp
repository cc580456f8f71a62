* golden read network
* half array 4 x 3, mesh
* every cell is its read-bias series resistance (MTJ + access on-resistance); wires per pitch.
Rbl0_0 bl0_0 bl0_1 1
Rbl0_1 bl0_1 bl0_2 1
Rbl0_2 bl0_2 bl0_3 1
Rbl0_3 bl0_3 bl0_4 1
Rbl1_0 bl1_0 bl1_1 1
Rbl1_1 bl1_1 bl1_2 1
Rbl1_2 bl1_2 bl1_3 1
Rbl1_3 bl1_3 bl1_4 1
Rbl2_0 bl2_0 bl2_1 1
Rbl2_1 bl2_1 bl2_2 1
Rbl2_2 bl2_2 bl2_3 1
Rbl2_3 bl2_3 bl2_4 1
Rdrvrl0 rl0_d rl0_0 20
Rwlrl0_0 rl0_0 rl0_1 1
Rcrl0_0 rl0_1 bl0_0 36098.88365
Rwlrl0_1 rl0_1 rl0_2 1
Rcrl0_1 rl0_2 bl1_0 74466.66714
Rwlrl0_2 rl0_2 rl0_3 1
Rcrl0_2 rl0_3 bl2_0 74466.66714
Rdrvrl1 rl1_d rl1_0 20
Rwlrl1_0 rl1_0 rl1_1 1
Rcrl1_0 rl1_1 bl0_1 36098.88365
Rwlrl1_1 rl1_1 rl1_2 1
Rcrl1_1 rl1_2 bl1_1 36098.88365
Rwlrl1_2 rl1_2 rl1_3 1
Rcrl1_2 rl1_3 bl2_1 74466.66714
Rdrvrl2 rl2_d rl2_0 20
Rwlrl2_0 rl2_0 rl2_1 1
Rcrl2_0 rl2_1 bl0_2 74466.66714
Rwlrl2_1 rl2_1 rl2_2 1
Rcrl2_1 rl2_2 bl1_2 74466.66714
Rwlrl2_2 rl2_2 rl2_3 1
Rcrl2_2 rl2_3 bl2_2 36098.88365
Rdrvrl3 rl3_d rl3_0 20
Rwlrl3_0 rl3_0 rl3_1 1
Rcrl3_0 rl3_1 bl0_3 36098.88365
Rwlrl3_1 rl3_1 rl3_2 1
Rcrl3_1 rl3_2 bl1_3 36098.88365
Rwlrl3_2 rl3_2 rl3_3 1
Rcrl3_2 rl3_3 bl2_3 36098.88365
Vsense0 bl0_4 0 DC 0
Vsense1 bl1_4 0 DC 0
Vsense2 bl2_4 0 DC 0
Vrow0 rl0_d 0 DC 0.1
Vrow1 rl1_d 0 DC 0.1
Vrow2 rl2_d 0 DC 0.1
Vrow3 rl3_d 0 DC 0.1
.save i(vsense0)
.save i(vsense1)
.save i(vsense2)
.op
.control
run
print i(vsense0)
print i(vsense1)
print i(vsense2)
if $?batchmode
quit
end
.endc
.end
