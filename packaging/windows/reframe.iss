; Inno Setup script: wraps the PyInstaller folder into Reframe-<version>-setup.exe (per-user install,
; no admin rights needed, so the self-updater can run the next installer silently).
; The version is pyproject.toml's, passed by the release workflow: iscc /DAppVersion=0.1.0 reframe.iss
#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=<pyproject version> reframe.iss
#endif
[Setup]
AppName=Reframe
; Fixed for good: the installer of every later version finds and upgrades this install by it.
AppId=Reframe
; The running app holds this mutex (media_core/updates/install/system.py): setup waits for it to quit,
; and closes it through the Restart Manager if it is still open, so no file is replaced in use.
AppMutex=ReframeAppMutex
CloseApplications=force
RestartApplications=no
AppVersion={#AppVersion}
VersionInfoVersion={#AppVersion}
UninstallDisplayIcon={app}\Reframe.exe
AppPublisher=Reframe
DefaultDirName={localappdata}\Programs\Reframe
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=Reframe-{#AppVersion}-x64-setup
Compression=lzma2
SolidCompression=yes
[Files]
Source: "..\..\dist\Reframe\*"; DestDir: "{app}"; Flags: recursesubdirs
[Icons]
Name: "{userprograms}\Reframe"; Filename: "{app}\Reframe.exe"
Name: "{userdesktop}\Reframe"; Filename: "{app}\Reframe.exe"; Tasks: desktopicon
[Tasks]
Name: desktopicon; Description: "Create a desktop shortcut"
[Run]
Filename: "{app}\Reframe.exe"; Description: "Start Reframe"; Flags: nowait postinstall skipifsilent
; The in-app updater runs setup /SILENT: start the new version when it is done.
Filename: "{app}\Reframe.exe"; Flags: nowait; Check: WizardSilent
