/**
 * Reading and writing safetensors files (PyTorch / Hugging Face weights and seqrec's golden
 * cases): {@link io.github.seqrec.models.safetensors.SafeTensors} memory-maps and validates a
 * file, gives zero-copy views per tensor and copies into Java arrays or {@link
 * io.github.seqrec.models.tensors.Tensor}s on request.
 */
package io.github.seqrec.models.safetensors;
