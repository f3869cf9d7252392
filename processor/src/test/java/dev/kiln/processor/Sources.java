package dev.kiln.processor;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;

import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaFileObject;

import static com.google.testing.compile.Compiler.javac;

/** Test sources with a fixed two-line header, so a field written as body line k sits on file line k + 2. */
final class Sources {
    static final int HEADER_LINES = 2;

    private Sources() {}

    static JavaFileObject model(String qualifiedName, String... body) {
        List<String> lines = new ArrayList<>();
        lines.add("package " + qualifiedName.substring(0, qualifiedName.lastIndexOf('.')) + ";");
        lines.add("import dev.kiln.annotations.*;");
        lines.addAll(List.of(body));
        return JavaFileObjects.forSourceLines(qualifiedName, lines);
    }

    static Compilation compile(JavaFileObject... files) {
        return javac().withProcessors(new KilnProcessor()).withOptions("-Xlint:-processing").compile(files);
    }
}
