package dev.kiln.train;

import dev.kiln.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** PNG line and scatter charts (XChart), written atomically ({@link AtomicFiles}). */
public final class Plots {
    private Plots() {}

    /** One line per entry of {@code series}, all over the same x values. */
    public static void lines(Path png, String title, String xLabel, String yLabel, double[] x, Map<String, double[]> series)
            throws IOException {
        XYChart chart = chart(title, xLabel, yLabel);
        for (var e : series.entrySet()) {
            if (e.getValue().length != x.length) {
                throw new IllegalArgumentException("series '" + e.getKey() + "' has " + e.getValue().length
                        + " values but there are " + x.length + " x values");
            }
            chart.addSeries(e.getKey(), x, e.getValue()).setMarker(SeriesMarkers.NONE);
        }
        save(chart, png);
    }

    /** Points (x, y) and the line y = w x + b across their x range. */
    public static void scatterWithLine(Path png, String title, double[] x, double[] y, double w, double b) throws IOException {
        XYChart chart = chart(title, "x", "y");
        chart.getStyler().setMarkerSize(4);
        chart.addSeries("data", x, y).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double v : x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        chart.addSeries(String.format(Locale.ROOT, "fit: y = %.3f x + %.3f", w, b),
                new double[] {lo, hi}, new double[] {w * lo + b, w * hi + b}).setMarker(SeriesMarkers.NONE);
        save(chart, png);
    }

    /** x = 0, 1, 2, ... for per-epoch series. */
    public static double[] indices(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = i;
        return x;
    }

    private static XYChart chart(String title, String xLabel, String yLabel) {
        return new XYChartBuilder().width(800).height(600).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
    }

    private static void save(XYChart chart, Path png) throws IOException {
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
