namespace Actors.Hosting.Configuration;

/// <summary>
/// The data directory holds the journal (which records environment values and secrets given to tasks) and the
/// generated key pair, so only the node's own user may read it: the directory 0700, its files 0600.
/// </summary>
public static class DataDirectory
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates the directory owner-only. An existing directory keeps its mode: it may be one the operator chose and
    /// shares (<c>--data-dir .</c>); the files inside are narrowed to their owner instead.
    /// </summary>
    public static void EnsurePrivate(string path)
    {
        if (OperatingSystem.IsWindows() || Directory.Exists(path))
            Directory.CreateDirectory(path);
        else
            Directory.CreateDirectory(path, DirectoryMode);
    }

    /// <summary>
    /// An SQLite database file created empty and owner-only before SQLite opens it: SQLite gives its -wal and -shm
    /// files the database file's permissions. Existing files (and their -wal/-shm) are narrowed to the owner.
    /// </summary>
    public static void PrepareDatabaseFile(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        if (!File.Exists(path))
        {
            var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode };
            try
            {
                using var _ = new FileStream(path, options);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Created by someone else in between; narrowed below like any existing file.
            }
        }
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            if (File.Exists(file)) File.SetUnixFileMode(file, FileMode);
    }
}
