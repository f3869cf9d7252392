package dev.kiln.samples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Locates the data files the samples bundle as resources (copied out when inside a jar). */
final class SampleData {
    private SampleData() {}

    /** The bundled phone-price CSV (Kaggle "Mobile Price Classification", train.csv; see its README). */
    static Path phonePriceCsv() throws IOException {
        return resource("/mobile-price/train.csv");
    }

    static Path resource(String name) throws IOException {
        var url = SampleData.class.getResource(name);
        if (url == null) throw new IOException("resource " + name + " is missing from the samples' class path");
        if ("file".equals(url.getProtocol())) return Path.of(java.net.URI.create(url.toString()));
        Path tmp = Files.createTempFile("kiln-sample", name.substring(name.lastIndexOf('/') + 1));
        try (InputStream in = url.openStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        tmp.toFile().deleteOnExit();
        return tmp;
    }
}
