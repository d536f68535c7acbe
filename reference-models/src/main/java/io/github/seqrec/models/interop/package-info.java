/**
 * Serving models trained in the peer libraries: an {@link io.github.seqrec.models.interop.PeerImporter}
 * per library (FuxiCTR, DeepCTR-Torch, RecBole) reads the library's own checkpoint (a
 * {@code torch.save} file, through the data-only {@link io.github.seqrec.models.torch.TorchCheckpoint})
 * and its configuration, maps tensor names, gate orders and conventions onto a seqrec reference
 * model and returns an {@link io.github.seqrec.models.interop.ImportedModel}: seqrec-named tensors
 * plus the options that reproduce the peer's forward pass, written as a safetensors file that
 * {@link io.github.seqrec.models.Models#load} serves. What seqrec cannot yet reproduce is refused
 * by an {@link io.github.seqrec.models.interop.ImportRefusedException} naming the peer setting.
 *
 * <p>{@link io.github.seqrec.models.interop.PeerImports} lists the importers; {@code seqrec import}
 * is the same API on the command line.
 */
package io.github.seqrec.models.interop;
