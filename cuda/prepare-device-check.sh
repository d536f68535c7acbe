#!/usr/bin/env bash
# Builds, on a development machine, everything cuda/device-check.sh needs on a GPU machine that
# has no JDK and no network, into the ignored folder .device/:
#   .device/jdk/              a jlink-ed JDK 25 runtime (the modules the jars use, plus
#                             jdk.incubator.vector, jdk.management, jdk.zipfs), stripped, compressed
#   .device/lib/              seqrec-kernels, seqrec-cuda and its test classes, JCuda, the JUnit
#                             platform (launcher + Jupiter) and AssertJ
#   .device/native/           JCuda's driver binding, unpacked: loaded in place through
#                             java.library.path, never extracted into java.io.tmpdir
#   .device/native/fallback/  libstdc++.so.6 and libgcc_s.so.1 from this machine, loaded only
#                             where the GPU machine's loader finds none
# and checks that everything that travels (the tracked and untracked-but-not-ignored files of the
# working tree, plus .device) stays under 60 MiB (the device tool's limit is 64 MiB).
# Usage, from the repository root:  bash cuda/prepare-device-check.sh
# Then on the GPU machine (the working tree plus .device):  bash cuda/device-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
out="$root/.device"
jdk="${SEQREC_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}"
limit_mib=60

echo "== building seqrec-kernels and seqrec-cuda (tests compiled, not run)"
# Maven itself runs on the JDK 25 (the build's enforcer rule), through the wrapper.
export JAVA_HOME="$jdk"
./mvnw -q -B -o -pl cuda -am package -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip
./mvnw -q -B -o -pl cuda org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath -DincludeScope=test \
  -Dmdep.outputFile="$root/target/device-classpath.txt" >/dev/null

rm -rf "$out"
mkdir -p "$out/lib" "$out/native/fallback"
version="$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' pom.xml | head -1)"
cp "kernels/target/seqrec-kernels-$version.jar" "$out/lib/seqrec-kernels.jar"
cp "cuda/target/seqrec-cuda-$version.jar" "$out/lib/seqrec-cuda.jar"
"$jdk/bin/jar" --create --file "$out/lib/seqrec-cuda-tests.jar" -C cuda/target/test-classes .
natives=""
for jar in $(tr ':' ' ' < "$root/target/device-classpath.txt"); do
  case "$(basename "$jar")" in
    seqrec-kernels-*) ;;                       # the one just built, above
    jcuda-natives-*) natives="$jar" ;;         # unpacked below
    byte-buddy-*) ;;                           # AssertJ's optional proxy support: unused, 8 MB
    *) cp "$jar" "$out/lib/" ;;
  esac
done
# JCuda's natives jar holds every JCuda library (26 MB); seqrec needs only the driver binding,
# which links libcuda.so.1 and libstdc++.so.6.
[ -n "$natives" ] || { echo "no jcuda-natives jar on the test class path" >&2; exit 1; }
tmp="$(mktemp -d)"
(cd "$tmp" && "$jdk/bin/jar" --extract --file "$natives")
cp "$tmp"/lib/libJCudaDriver-*.so "$out/native/"
rm -rf "$tmp"
for so in libstdc++.so.6 libgcc_s.so.1; do
  path="$(ldconfig -p 2>/dev/null | awk -v n="$so" '$1 == n && /x86-64/ { print $NF; exit }')"
  if [ -n "$path" ]; then
    cp -L "$path" "$out/native/fallback/$so"
    strip --strip-unneeded "$out/native/fallback/$so" 2>/dev/null || true
  fi
done

echo "== jlink"
# What seqrec and JCuda use (jdeps on their jars: java.base, java.logging, jdk.incubator.vector,
# jdk.management), plus jdk.zipfs (JUnit scans the test jar through the "jar" file system).
# Left out on purpose: java.sql and java.xml (with java.transaction.xa about 5 MB), which only
# AssertJ's date and XML assertions and JUnit's CSV sources touch; these tests use none of them.
modules="java.base,java.logging,java.management,jdk.management,jdk.incubator.vector,jdk.zipfs"
# seqrec-cuda.jar is a module that requires JCuda's automatic module "jcuda": jdeps resolves it on
# the module path. Its split-package warnings (the test jar shares seqrec-cuda's packages; the check
# runs on the class path) are noise; a jdeps error stops the script (pipefail).
jcuda_jar="$(ls "$out"/lib/jcuda-[0-9]*.jar)"
deps="$("$jdk/bin/jdeps" --ignore-missing-deps --multi-release 25 --module-path "$jcuda_jar" --print-module-deps \
  "$out/lib/seqrec-kernels.jar" "$out/lib/seqrec-cuda.jar" "$out/lib/seqrec-cuda-tests.jar" "$jcuda_jar" \
  | grep -v '^Warning: split package')"
missing="$(echo "$deps" | tr ',' '\n' | grep -vxF -e java.base -e java.logging -e java.management -e jdk.management \
    -e jdk.incubator.vector -e jdk.zipfs || true)"
if [ -n "$missing" ]; then
  echo "seqrec's jars need modules the bundle leaves out: $missing" >&2
  exit 1
fi
echo "modules: $modules"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=zip-9 \
  --output "$out/jdk"
# The JDK's libjvm.so keeps its symbol table (5 MB); the check does not need it.
if command -v strip >/dev/null; then
  strip --strip-unneeded "$out/jdk/lib/server/libjvm.so"
fi
"$out/jdk/bin/java" --add-modules jdk.incubator.vector -version 2>&1 | tail -1

echo "== what travels (limit ${limit_mib} MiB of the device tool's 64)"
du -sh "$out/jdk" "$out/lib" "$out/native"
bundle_kib="$(du -sk "$out" | cut -f1)"
tree_bytes="$( (git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -L -c %s 2>/dev/null || true) \
  | awk '{ s += $1 } END { print s + 0 }')"
total_kib=$((bundle_kib + tree_bytes / 1024))
echo "bundle $((bundle_kib / 1024)) MiB + working tree $((tree_bytes / 1048576)) MiB = $((total_kib / 1024)) MiB"
if [ "$total_kib" -gt $((limit_mib * 1024)) ]; then
  echo "too large to travel: $((total_kib / 1024)) MiB > ${limit_mib} MiB" >&2
  exit 1
fi
