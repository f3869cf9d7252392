package dev.kiln.samples;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** PNG charts for the samples, written atomically (temporary file, then rename). */
final class Charts {
    private Charts() {}

    /** The data as points and the line y = w x + b across their x range. */
    static void scatterWithLine(Path png, String title, double[] x, double[] y, double w, double b) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(600).title(title).xAxisTitle("x").yAxisTitle("y").build();
        chart.getStyler().setMarkerSize(4);
        XYSeries points = chart.addSeries("data", x, y);
        points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double v : x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        XYSeries line = chart.addSeries(String.format(java.util.Locale.ROOT, "fit: y = %.3f x + %.3f", w, b),
                new double[] {lo, hi}, new double[] {w * lo + b, w * hi + b});
        line.setMarker(SeriesMarkers.NONE);
        save(chart, png);
    }

    static void save(XYChart chart, Path png) throws IOException {
        Path dir = png.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".chart", ".png");
        try {
            BitmapEncoder.saveBitmap(chart, Files.newOutputStream(tmp), BitmapEncoder.BitmapFormat.PNG);
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
