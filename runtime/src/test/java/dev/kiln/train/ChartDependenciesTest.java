package dev.kiln.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * kiln-runtime keeps only what its PNG charts need from XChart: pdfbox (which brings JUnit at compile scope),
 * VectorGraphics2D and the GIF encoder are excluded, and the charts still render.
 */
class ChartDependenciesTest {
    @Test
    void xchartsVectorAndGifExportLibrariesAreNotOnTheClassPath() {
        for (String name : new String[] {"org.apache.pdfbox.pdmodel.PDDocument", "de.rototor.pdfbox.graphics2d.PdfBoxGraphics2D",
                "de.erichseifert.vectorgraphics2d.VectorGraphics2D", "com.madgag.gif.fmsware.AnimatedGifEncoder"}) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(name), name);
        }
    }

    @Test
    void lineAndScatterChartsRenderWithoutThem(@TempDir Path dir) throws Exception {
        Path lines = dir.resolve("lines.png"), scatter = dir.resolve("scatter.png");
        Plots.lines(lines, "t", "epoch", "loss", Plots.indices(3), Map.of("loss", new double[] {3, 2, 1}));
        Plots.scatterWithLine(scatter, "fit", new double[] {0, 1, 2}, new double[] {1, 3, 5}, 2, 1);
        for (Path png : new Path[] {lines, scatter}) {
            BufferedImage image = ImageIO.read(png.toFile());
            assertEquals(800, image.getWidth());
            assertEquals(600, image.getHeight());
        }
    }
}
