package dev.headstream.core.embed;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Float16Test {

    @Test
    void everyHalfWidensExactlyAndNarrowsBackToItself() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Float16.toFloat((short) h);
            boolean nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
            if (nan) {
                assertThat(f).isNaN();
                assertThat(Float16.toFloat(Float16.fromFloat(f))).isNaN();
            } else {
                assertThat(Float16.fromFloat(f) & 0xffff)
                        .as("half 0x%04x = %s", h, f)
                        .isEqualTo(h);
            }
        }
    }

    @Test
    void knownValuesFromTheStandard() {
        assertThat(Float16.fromFloat(1f)).isEqualTo((short) 0x3c00);
        assertThat(Float16.fromFloat(-2f)).isEqualTo((short) 0xc000);
        assertThat(Float16.fromFloat(65504f)).isEqualTo((short) 0x7bff);
        assertThat(Float16.fromFloat(0x1p-14f)).as("smallest normal").isEqualTo((short) 0x0400);
        assertThat(Float16.fromFloat(0x1p-24f)).as("smallest subnormal").isEqualTo((short) 0x0001);
        assertThat(Float16.fromFloat(-0f)).isEqualTo((short) 0x8000);
        assertThat(Float16.fromFloat(Float.POSITIVE_INFINITY)).isEqualTo((short) 0x7c00);
        assertThat(Float16.toFloat((short) 0x3555)).isEqualTo(0.333251953125f);
    }

    @Test
    void tiesRoundToEvenAndOverflowBecomesInfinity() {
        assertThat(Float16.fromFloat(1f + 0x1p-11f))
                .as("1 + half an ulp: tie to even 1")
                .isEqualTo((short) 0x3c00);
        assertThat(Float16.fromFloat(1f + 3 * 0x1p-11f))
                .as("tie to even 1 + 2 ulp")
                .isEqualTo((short) 0x3c02);
        assertThat(Float16.fromFloat(Math.nextUp(1f + 0x1p-11f)))
                .as("just above a tie")
                .isEqualTo((short) 0x3c01);
        assertThat(Float16.fromFloat(65519f)).isEqualTo((short) 0x7bff);
        assertThat(Float16.fromFloat(65520f))
                .as("tie between max and the next, odd, step")
                .isEqualTo((short) 0x7c00);
        assertThat(Float16.fromFloat(0x1p-25f))
                .as("tie between 0 and the smallest subnormal")
                .isEqualTo((short) 0);
        assertThat(Float16.fromFloat(Math.nextUp(0x1p-25f))).isEqualTo((short) 1);
        assertThat(Float16.fromFloat(3 * 0x1p-25f))
                .as("subnormal tie to even 2")
                .isEqualTo((short) 2);
    }

    @Test
    void randomFloatsRoundToTheNearestHalf() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            float x = (float) ((rnd.nextDouble() * 2 - 1) * Math.pow(2, rnd.nextInt(-26, 16)));
            short h = Float16.fromFloat(x);
            double err = Math.abs((double) Float16.toFloat(h) - x);
            for (int d = -1; d <= 1; d += 2) {
                int neighbour = (h & 0xffff) + d;
                if ((neighbour & 0x7fff) >= 0x7c00
                        || neighbour < 0
                        || neighbour > 0xffff
                        || ((h ^ neighbour) & 0x8000) != 0) {
                    continue;
                }
                double other = Math.abs((double) Float16.toFloat((short) neighbour) - x);
                assertThat(err)
                        .as("x=%s half=0x%04x neighbour 0x%04x", x, h, neighbour)
                        .isLessThanOrEqualTo(other);
            }
        }
    }
}
