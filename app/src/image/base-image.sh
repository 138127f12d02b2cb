#!/usr/bin/env bash
# Builds the container image's base from this machine's files, without a Docker daemon or a registry:
#   base-image.sh OUT_DIR
# writes OUT_DIR/image-base.tar, a `docker save` tarball of one layer that Jib reads as `tar://` (the `image`
# profile in app/pom.xml). The layer holds:
#   /opt/java/openjdk   a Java runtime made by jlink from the JDK running Maven (JAVA_HOME: 25 or newer), with the
#                       modules Narthex uses (jdeps) plus jcmd for heap histograms; the same path and JAVA_HOME as
#                       the eclipse-temurin images, so the entry point is the same on either base
#   /lib, /lib64        the glibc libraries that runtime links against (ldd), copied from this machine
#   /etc/passwd, group  user and group narthex, 65532 (distroless's "nonroot" id)
#   /var/lib/narthex    the working directory, owned by 65532: the ./data defaults land here, and a volume goes here
#   /tmp                mode 1777: Netty unpacks its native transport there
# Files are root-owned but for /var/lib/narthex, with mtime 0 and sorted names, so an unchanged JDK gives the same
# layer digest run after run.
set -euo pipefail
out=${1:?usage: base-image.sh OUT_DIR}
java_home=${JAVA_HOME:?JAVA_HOME must name a JDK 25 or newer}
uid=65532
modules=java.base,java.desktop,java.management,java.naming,java.net.http,java.security.sasl,java.sql,jdk.crypto.ec
modules=$modules,jdk.jcmd,jdk.jfr,jdk.management,jdk.management.jfr,jdk.unsupported,jdk.zipfs

work="$out/image-base"
rootfs="$work/rootfs"
rm -rf "$work"
mkdir -p "$rootfs"/{etc,tmp,lib64,opt/java,var/lib/narthex}
chmod 1777 "$rootfs/tmp"

"$java_home/bin/jlink" --add-modules "$modules" --output "$rootfs/opt/java/openjdk" \
  --strip-debug --no-man-pages --no-header-files --compress=zip-6
# The class data sharing archive for -XX:+UseCompactObjectHeaders, the entry point's layout (jlink makes none).
"$rootfs/opt/java/openjdk/bin/java" -Xshare:dump -XX:+UseCompactObjectHeaders >/dev/null

# Shared libraries: what the launcher and the runtime's own libraries need, less AWT's X11 and sound libraries (a
# headless server never loads them), each copied under its path on this machine, plus the dynamic loader.
libs=$(find "$rootfs/opt/java/openjdk" -name '*.so' ! -name 'libawt_xawt.so' ! -name 'libjawt.so' \
  ! -name 'libjsound.so' ! -name 'libsplashscreen.so' -print0 | xargs -0 ldd "$rootfs/opt/java/openjdk/bin/java" 2>/dev/null \
  | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u)
loader=$(readlink -f /lib64/ld-linux-x86-64.so.2)
for lib in $libs "$loader"; do
  case "$lib" in "$rootfs"/*) continue ;; esac
  real=$(readlink -f "$lib")
  dir=$(dirname "$real")
  dir=${dir#/usr} # Debian's merged /usr: /lib is a link to /usr/lib
  mkdir -p "$rootfs$dir"
  cp "$real" "$rootfs$dir/$(basename "$lib")"
done
ln -s "/lib/x86_64-linux-gnu/$(basename "$loader")" "$rootfs/lib64/ld-linux-x86-64.so.2"

printf 'root:x:0:0:root:/root:/sbin/nologin\nnarthex:x:%s:%s:narthex:/var/lib/narthex:/sbin/nologin\n' "$uid" "$uid" \
  >"$rootfs/etc/passwd"
printf 'root:x:0:\nnarthex:x:%s:\n' "$uid" >"$rootfs/etc/group"

# One layer: everything root-owned, then the working directory appended with the narthex owner.
layer="$work/layer.tar"
tar_flags=(--sort=name --mtime=@0 --numeric-owner --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
tar -C "$rootfs" "${tar_flags[@]}" --owner=0 --group=0 --exclude=./var/lib/narthex -cf "$layer" .
tar -C "$rootfs" "${tar_flags[@]}" --owner="$uid" --group="$uid" -rf "$layer" ./var/lib/narthex
diff_id=$(sha256sum "$layer" | cut -d' ' -f1)

cat >"$work/config.json" <<EOF
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"User":"$uid:$uid","WorkingDir":"/var/lib/narthex",
  "Env":["PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=/opt/java/openjdk","LANG=C.UTF-8"]},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"app/src/image/base-image.sh: jlink $modules"}]}
EOF
echo '[{"Config":"config.json","RepoTags":["narthex-base:local"],"Layers":["layer.tar"]}]' >"$work/manifest.json"
tar -C "$work" "${tar_flags[@]}" --owner=0 --group=0 -cf "$out/image-base.tar" manifest.json config.json layer.tar
echo "base-image: $out/image-base.tar ($(du -h "$out/image-base.tar" | cut -f1), layer sha256:$diff_id)"
