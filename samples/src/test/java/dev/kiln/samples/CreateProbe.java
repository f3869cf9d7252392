package dev.kiln.samples;

/** Run by {@link WithoutVectorApiTest}: a generated model's {@code create} as the very first Kiln call. */
final class CreateProbe {
    private CreateProbe() {}

    public static void main(String[] args) {
        dev.kiln.samples.compiled.KilnPhonePrice.create(42);
        System.out.println("no error");
    }
}
