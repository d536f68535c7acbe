/**
 * seqrec's kernel families as CUDA kernels (PTX shipped in the jar) driven by JCuda's driver API:
 * {@code io.github.seqrec.cuda} is the only exported package; {@code io.github.seqrec.cuda.internal}
 * (the driver binding, PTX loading, launch geometry) is not part of the API. The GPU calls share
 * the CPU facades' layouts and contracts but no types, so the module needs only JCuda;
 * {@code seqrec-kernels} is the reference of its tests and of the device check.
 */
module io.github.seqrec.cuda {
  // JCuda 12.0.0 has no module descriptor: its automatic module name comes from the jar name.
  requires jcuda;

  exports io.github.seqrec.cuda;
}
