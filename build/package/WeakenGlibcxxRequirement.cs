// MSBuild task (compiled by RoslynCodeTaskFactory, see TorchSharp.Native.targets).
//
// TorchSharp 0.107's libLibTorchSharp.so was linked against GCC 13's libstdc++ and so carries a
// version-needed entry for GLIBCXX_3.4.32. The only symbol of that version it uses is
// std::ios_base_library_init(), a link-time marker that is never called. On hosts whose libstdc++
// predates GCC 13 (Debian 12, Ubuntu 22.04) the loader rejects the library for that one entry.
// Marking the entry weak (VER_FLG_WEAK in its Vernaux record) makes the loader merely warn.
//
// The task patches only copies in build output folders, only when the host's libstdc++ lacks the
// version, and never touches the NuGet cache or system files (it rewrites the file, breaking any link).
using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenGlibcxxRequirement : Task
{
    const string Version = "GLIBCXX_3.4.32";
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    static readonly string[] LibStdCxxCandidates =
    {
        "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return true;
        var existing = Files.Select(f => f.ItemSpec).Where(File.Exists).ToArray();
        if (existing.Length == 0) return true;
        string hostLib = LibStdCxxCandidates.FirstOrDefault(File.Exists);
        if (hostLib == null)
        {
            Log.LogMessage(MessageImportance.Low, "No system libstdc++.so.6 found; leaving libLibTorchSharp.so as shipped.");
            return true;
        }
        if (Contains(File.ReadAllBytes(hostLib), Encoding.ASCII.GetBytes(Version + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, $"{hostLib} provides {Version}; nothing to patch.");
            return true;
        }
        foreach (var path in existing)
        {
            try
            {
                var bytes = File.ReadAllBytes(path);
                switch (MarkVersionWeak(bytes, Version))
                {
                    case PatchResult.Patched:
                        var tmp = path + ".tmp";
                        File.WriteAllBytes(tmp, bytes);
                        File.Delete(path); // unlink first: a hard link into the NuGet cache stays intact
                        File.Move(tmp, path);
                        Log.LogMessage(MessageImportance.High,
                            $"{path}: marked {Version} weak ({hostLib} lacks it; the one symbol of that version is never called).");
                        break;
                    case PatchResult.AlreadyWeak:
                        break;
                    case PatchResult.NotFound:
                        Log.LogMessage(MessageImportance.Low, $"{path}: no {Version} requirement.");
                        break;
                }
            }
            catch (Exception e)
            {
                Log.LogWarning($"Could not patch {path}: {e.Message}. TorchSharp may fail to load on this host.");
            }
        }
        return !Log.HasLoggedErrors;
    }

    enum PatchResult { NotFound, AlreadyWeak, Patched }

    static PatchResult MarkVersionWeak(byte[] elf, string version)
    {
        // ELF64 little-endian only (x86_64, aarch64).
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
            return PatchResult.NotFound;
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = BitConverter.ToInt64(elf, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, (int)sh + 0x28);
            int count = (int)BitConverter.ToUInt32(elf, (int)sh + 0x2C);
            long strtab = BitConverter.ToInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);
            long vn = offset;
            for (int n = 0; n < count; n++)
            {
                int cnt = BitConverter.ToUInt16(elf, (int)vn + 2);
                long aux = vn + BitConverter.ToUInt32(elf, (int)vn + 8);
                for (int a = 0; a < cnt; a++)
                {
                    uint name = BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (ReadCString(elf, strtab + name) == version)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlgWeak) != 0) return PatchResult.AlreadyWeak;
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, (int)aux + 4);
                        return PatchResult.Patched;
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                vn += BitConverter.ToUInt32(elf, (int)vn + 12);
            }
        }
        return PatchResult.NotFound;
    }

    static string ReadCString(byte[] data, long start)
    {
        long end = start;
        while (end < data.Length && data[end] != 0) end++;
        return Encoding.ASCII.GetString(data, (int)start, (int)(end - start));
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
