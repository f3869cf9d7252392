package dev.kiln.nn;

import dev.kiln.autograd.GradMode;
import dev.kiln.nn.init.Init;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/** A lookup table of {@code numEmbeddings} vectors of size {@code embeddingDim}, indexed by integer tensors. */
public class Embedding extends Module {
    private final int numEmbeddings;
    private final int embeddingDim;
    /** Already wrapped to [0, numEmbeddings); null for none. */
    private final Integer paddingIdx;
    private final Tensor weight;

    public Embedding(int numEmbeddings, int embeddingDim) { this(numEmbeddings, embeddingDim, null); }

    /** {@code paddingIdx} (negative counts from the end) names a row kept at zero and never trained. */
    public Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx) {
        this(numEmbeddings, embeddingDim, paddingIdx, DType.FLOAT32);
    }

    /** With PyTorch's {@code dtype=} factory argument for the weight. */
    public Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx, DType dtype) {
        if (paddingIdx != null && (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings)) {
            throw new IllegalArgumentException("Padding_idx must be within num_embeddings");
        }
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        this.paddingIdx = paddingIdx == null ? null : paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
        weight = registerParameter("weight", Torch.empty(new int[] {numEmbeddings, embeddingDim}, dtype));
        resetParameters();
    }

    /** N(0, 1), then the padding row zeroed, as PyTorch 1.13. */
    public void resetParameters() {
        Init.normal_(weight);
        if (paddingIdx != null) {
            try (var ignored = GradMode.noGrad()) {
                weight.select(0, paddingIdx).fill_(0.0);
            }
        }
    }

    @Override
    public Tensor forward(Tensor input) {
        try {
            return Functional.embedding(input, weight, paddingIdx);
        } catch (IndexOutOfBoundsException e) {
            IndexOutOfBoundsException named = new IndexOutOfBoundsException(describe() + ": " + e.getMessage());
            named.initCause(e);
            throw named;
        }
    }

    public Tensor weight() { return weight; }

    public Integer paddingIdx() { return paddingIdx; }

    public int numEmbeddings() { return numEmbeddings; }

    public int embeddingDim() { return embeddingDim; }

    @Override
    protected String extraRepr() {
        return numEmbeddings + ", " + embeddingDim + (paddingIdx == null ? "" : ", padding_idx=" + paddingIdx);
    }
}
