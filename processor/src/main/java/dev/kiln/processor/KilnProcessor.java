package dev.kiln.processor;

import com.google.auto.service.AutoService;
import dev.kiln.processor.codegen.ModelWriter;
import dev.kiln.processor.fuse.FusionPlanner;
import dev.kiln.processor.fuse.PlanResult;
import dev.kiln.processor.model.InferredModel;
import dev.kiln.processor.model.ModelDecl;
import dev.kiln.processor.shapes.ShapeInference;
import dev.kiln.processor.validation.BlockCycleValidator;
import dev.kiln.processor.validation.ModelReader;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;

/**
 * The model compiler: for each {@code @Model} class, validate -> describe -> infer shapes -> fuse -> emit
 * {@code Kiln<Model>}. Every problem is a javac error on the element at fault; nothing is thrown out of
 * {@link #process}, and a model with errors gets no generated class (so there is one clear error, not
 * a cascade of "cannot find symbol").
 */
@AutoService(Processor.class)
public final class KilnProcessor extends AbstractProcessor {
    private static final String MODEL = "dev.kiln.annotations.Model";

    @Override
    public Set<String> getSupportedAnnotationTypes() { return Set.of(MODEL); }

    @Override
    public SourceVersion getSupportedSourceVersion() { return SourceVersion.latestSupported(); }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        TypeElement model = processingEnv.getElementUtils().getTypeElement(MODEL);
        if (model == null) return false;
        for (Element e : round.getElementsAnnotatedWith(model)) {
            if (e.getKind() != ElementKind.CLASS) continue;
            TypeElement type = (TypeElement) e;
            Reporter reporter = new Reporter(processingEnv.getMessager());
            try {
                compile(type, reporter);
            } catch (RuntimeException | IOException ex) {
                // A bug in Kiln must still surface as a diagnostic on the model, never as a javac crash.
                reporter.error(type, Diagnostic.INTERNAL, type.getSimpleName(), ex);
            }
        }
        return true;
    }

    private void compile(TypeElement type, Reporter reporter) throws IOException {
        var elements = processingEnv.getElementUtils();
        boolean acyclic = new BlockCycleValidator(reporter, elements).validate(type);
        Optional<ModelDecl> decl = new ModelReader(reporter, elements).read(type);
        // Shapes are inferred only from a clean declaration: a skipped field would make later shapes wrong.
        if (!acyclic || decl.isEmpty() || reporter.errors() > 0) return;
        Optional<InferredModel> inferred = new ShapeInference(reporter, new BlockInference(reporter.silent())::infer).infer(decl.get());
        if (inferred.isEmpty() || reporter.errors() > 0) return;
        switch (FusionPlanner.plan(inferred.get())) {
            case PlanResult.Unsupported u -> reporter.error(type, Diagnostic.NOT_GENERATED, type.getSimpleName(), u.what(),
                    "Kiln" + type.getSimpleName());
            case PlanResult.Planned p -> new ModelWriter(inferred.get(), p.plan()).write(elements).writeTo(processingEnv.getFiler());
        }
    }

    /**
     * Infers the models used as blocks, silently (each block's own compile reports its errors) and once
     * each; a block met again while still being inferred is a cycle, which yields nothing.
     */
    private final class BlockInference {
        private final Reporter silent;
        private final Map<TypeElement, Optional<InferredModel>> done = new HashMap<>();
        private final Set<TypeElement> active = new HashSet<>();

        BlockInference(Reporter silent) { this.silent = silent; }

        Optional<InferredModel> infer(TypeElement block) {
            if (done.containsKey(block)) return done.get(block);
            if (!active.add(block)) return Optional.empty();
            int before = silent.errors();
            Optional<InferredModel> result = new ModelReader(silent, processingEnv.getElementUtils()).read(block)
                    .filter(d -> silent.errors() == before)
                    .flatMap(d -> new ShapeInference(silent, this::infer).infer(d))
                    .filter(m -> silent.errors() == before);
            active.remove(block);
            done.put(block, result);
            return result;
        }
    }
}
