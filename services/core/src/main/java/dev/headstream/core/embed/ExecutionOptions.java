package dev.headstream.core.embed;

/**
 * How ONNX Runtime runs a backbone.
 *
 * @param intraOpThreads threads per session run (0 = ONNX Runtime's default)
 * @param cuda           try the CUDA execution provider first; falls back to CPU with a log line when unavailable
 * @param cudaDevice     GPU index for CUDA
 */
public record ExecutionOptions(int intraOpThreads, boolean cuda, int cudaDevice) {

    public static ExecutionOptions cpu(int intraOpThreads) {
        return new ExecutionOptions(intraOpThreads, false, 0);
    }
}
