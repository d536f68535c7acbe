#!/usr/bin/env bash
# Builds, on a development machine, everything cuda/device-check.sh needs on a GPU machine that
# has no JDK and no network, into the ignored folder .device/ (kept under 64 MiB, the limit of what
# travels to the device machine):
#   .device/jdk/   a jlink-ed JDK 25 runtime (only the modules the jars use, plus
#                  jdk.incubator.vector and jdk.management), stripped and compressed
#   .device/lib/   seqrec-kernels, seqrec-cuda and its test classes, JCuda with only the driver
#                  binding of its natives, assertj, and the JUnit console launcher
# Usage, from the repository root:  bash cuda/prepare-device-check.sh
# Then on the GPU machine (the working tree plus .device):  bash cuda/device-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
out="$root/.device"
jdk="${SEQREC_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}"
m2="${MAVEN_REPO:-$HOME/.m2/repository}"
jcuda_version=12.0.0
junit_console_version=1.14.1
assertj_version=3.27.7

echo "== building seqrec-kernels and seqrec-cuda (tests compiled, not run)"
# Maven itself runs on the JDK 25 (the build's enforcer rule).
export JAVA_HOME="$jdk"
./mvnw -q -B -pl cuda -am package -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip
./mvnw -q -B dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$junit_console_version \
  -DoutputDirectory="$root/target/device-deps" >/dev/null

rm -rf "$out"
mkdir -p "$out/lib"
version="$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' pom.xml | head -1)"
cp "kernels/target/seqrec-kernels-$version.jar" "$out/lib/seqrec-kernels.jar"
cp "cuda/target/seqrec-cuda-$version.jar" "$out/lib/seqrec-cuda.jar"
"$jdk/bin/jar" --create --file "$out/lib/seqrec-cuda-tests.jar" -C cuda/target/test-classes .
cp "$m2/org/jcuda/jcuda/$jcuda_version/jcuda-$jcuda_version.jar" "$out/lib/"
cp "$m2/org/assertj/assertj-core/$assertj_version/assertj-core-$assertj_version.jar" "$out/lib/"
cp "$root/target/device-deps/junit-platform-console-standalone-$junit_console_version.jar" "$out/lib/junit-console.jar"

# JCuda's natives jar holds every JCuda library (26 MB); seqrec needs only the driver binding,
# which links nothing but libcuda.so.1. Repack that one library at the same resource path.
natives="$m2/org/jcuda/jcuda-natives/$jcuda_version/jcuda-natives-$jcuda_version-linux-x86_64.jar"
tmp="$(mktemp -d)"
(cd "$tmp" && "$jdk/bin/jar" --extract --file "$natives" lib/libJCudaDriver-$jcuda_version-linux-x86_64.so)
"$jdk/bin/jar" --create --file "$out/lib/jcuda-natives-driver-$jcuda_version-linux-x86_64.jar" -C "$tmp" lib
rm -rf "$tmp"

echo "== jlink"
modules="$("$jdk/bin/jdeps" --ignore-missing-deps --multi-release 25 --print-module-deps "$out"/lib/*.jar)"
# jdk.zipfs: JUnit scans the test jar through the "jar" file system.
modules="$modules,jdk.incubator.vector,jdk.management,java.management,jdk.zipfs"
echo "modules: $modules"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=zip-6 \
  --output "$out/jdk"
# The JDK's libjvm.so keeps its symbol table (5 MB); the check does not need it.
if command -v strip >/dev/null; then
  strip --strip-unneeded "$out/jdk/lib/server/libjvm.so"
fi

echo "== bundle"
du -sh "$out/jdk" "$out/lib"
size_kib="$(du -sk "$out" | cut -f1)"
echo "total: $((size_kib / 1024)) MiB in $out (limit 64 MiB with the working tree)"
if [ "$size_kib" -gt $((56 * 1024)) ]; then
  echo "the bundle is too large to travel with the working tree" >&2
  exit 1
fi
"$out/jdk/bin/java" --add-modules jdk.incubator.vector -version 2>&1 | tail -1
