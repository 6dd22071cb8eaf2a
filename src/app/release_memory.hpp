#pragma once
// Returns the heap's free pages to the operating system. Reading thousands of SidecarSets frees
// as much as it keeps (documents, validation indexes); without this the process holds the peak.

namespace injector {

/// mimalloc's mi_collect(true) when the binary is linked with it, glibc's malloc_trim(0)
/// otherwise. Frees what the calling thread's heap no longer uses; cheap next to a load.
void release_free_memory();

}  // namespace injector
