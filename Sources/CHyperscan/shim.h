// Vectorscan (Debian libvectorscan-dev), Hyperscan's portable fork: many literals in one SIMD pass, the
// name prefilter's engine when the names start with many different letters.
#include <hs/hs.h>
