package dev.headstream.cli.evaluate;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A headless PNG of recall (y, 0..1) against false accepts per hour of speech (x, logarithmic,
 * with 0 drawn at the left edge) for each head: one curve over the threshold sweep, a filled
 * circle at the head's own threshold. The source head is drawn black and thicker. Stateless.
 */
public final class RecallFaPlot {

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf),
    };
    private static final int LEGEND_LINES = 24;

    private RecallFaPlot() {}

    /**
     * Writes the plot of {@code curves} to {@code png}.
     *
     * @throws IllegalArgumentException if there is no speech (no x axis) or no positive clip (no y axis)
     */
    public static void write(Path png, String title, List<EvalReport.Curve> curves) throws IOException {
        double hours =
                curves.stream().mapToDouble(EvalReport.Curve::hours).max().orElse(0);
        if (hours <= 0) {
            throw new IllegalArgumentException("--plot needs --speech: its x axis is false accepts per hour of speech");
        }
        if (curves.stream().allMatch(c -> c.positives() == 0)) {
            throw new IllegalArgumentException("--plot needs positive clips: its y axis is recall");
        }
        double maxRate = 1;
        for (EvalReport.Curve c : curves) {
            for (int i = 0; i < c.activations().length; i++) {
                maxRate = Math.max(maxRate, c.falseAcceptsPerHour(i));
            }
        }
        // decades from below one activation in the whole speech to above the highest rate
        double lo = Math.floor(Math.log10(1 / hours)) - 0.5;
        double hi = Math.ceil(Math.log10(maxRate) + 1e-9);
        int plotW = 720;
        int plotH = 460;
        int x0 = 80;
        int y0 = 60;
        int legendW = 380;
        int w = x0 + plotW + 30 + legendW;
        int h = y0 + plotH + 70;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            g.drawString(title, 20, 28);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawRect(x0, y0, plotW, plotH);
            for (int i = 0; i <= 10; i++) {
                int y = y0 + plotH - plotH * i / 10;
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(x0 + 1, y, x0 + plotW - 1, y);
                g.setColor(Color.BLACK);
                g.drawString(String.format(Locale.ROOT, "%.1f", i / 10.0), x0 - 30, y + 4);
            }
            for (int d = (int) Math.ceil(lo); d <= hi; d++) {
                int x = x(Math.pow(10, d), lo, hi, x0, plotW);
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(x, y0 + 1, x, y0 + plotH - 1);
                g.setColor(Color.BLACK);
                String label = d >= 0
                        ? Long.toString(Math.round(Math.pow(10, d)))
                        : String.format(Locale.ROOT, "%." + -d + "f", Math.pow(10, d));
                g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, y0 + plotH + 16);
            }
            g.drawString("0", x0 - 3, y0 + plotH + 16);
            g.drawString(
                    String.format(
                            Locale.ROOT,
                            "false accepts per hour (%.2f h of speech, log scale; 0 at the left" + " edge)",
                            hours),
                    x0 + plotW / 2 - 190,
                    y0 + plotH + 40);
            g.drawString("recall", x0 - 70, y0 - 10);
            int legendY = y0 + 10;
            for (int k = 0; k < curves.size(); k++) {
                EvalReport.Curve c = curves.get(k);
                if (c.positives() == 0) {
                    continue;
                }
                boolean source = c.head().role() == EvalHead.Role.SOURCE;
                Color color = source ? Color.BLACK : PALETTE[(k - 1 + PALETTE.length) % PALETTE.length];
                g.setColor(color);
                g.setStroke(new BasicStroke(source ? 2.5f : 1.5f));
                int px = -1;
                int py = -1;
                for (int i = 0; i < c.recall().length; i++) {
                    int x = x(c.falseAcceptsPerHour(i), lo, hi, x0, plotW);
                    int y = y(c.recall()[i], y0, plotH);
                    if (px >= 0) {
                        g.drawLine(px, py, x, y);
                    }
                    px = x;
                    py = y;
                }
                int op = c.operatingPoint();
                int ox = x(c.falseAcceptsPerHour(op), lo, hi, x0, plotW);
                int oy = y(c.recall()[op], y0, plotH);
                g.fillOval(ox - 5, oy - 5, 10, 10);
                g.setColor(Color.WHITE);
                g.setStroke(new BasicStroke(1f));
                g.drawOval(ox - 5, oy - 5, 10, 10);
                if (k < LEGEND_LINES) {
                    g.setColor(color);
                    g.fillOval(x0 + plotW + 30, legendY - 9, 10, 10);
                    g.setColor(Color.BLACK);
                    g.drawString(
                            String.format(
                                    Locale.ROOT,
                                    "%s %s @%.3f: recall %.2f, %.2f FA/h",
                                    c.head().role().label(),
                                    c.head().name(),
                                    c.head().threshold(),
                                    c.recall()[op],
                                    c.falseAcceptsPerHour(op)),
                            x0 + plotW + 46,
                            legendY);
                    legendY += 18;
                } else if (k == LEGEND_LINES) {
                    g.setColor(Color.BLACK);
                    g.drawString("... " + (curves.size() - LEGEND_LINES) + " more heads", x0 + plotW + 46, legendY);
                    legendY += 18;
                }
            }
            g.setColor(Color.DARK_GRAY);
            g.drawString("dot: the head's own threshold", x0 + plotW + 30, legendY + 12);
        } finally {
            g.dispose();
        }
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ImageIO.write(img, "png", png.toFile());
    }

    private static int x(double rate, double lo, double hi, int x0, int width) {
        double v = rate <= 0 ? lo : Math.max(lo, Math.log10(rate));
        return x0 + (int) Math.round(width * (v - lo) / (hi - lo));
    }

    private static int y(double recall, int y0, int height) {
        return y0 + height - (int) Math.round(height * Math.max(0, Math.min(1, recall)));
    }
}
