; Inno Setup script for PenguinMails Desktop (Windows). Not built in this project's CI: see
; installers/windows/README.md. Packs the PyInstaller folder dist\penguin\ (penguin.exe,
; penguin-desktop.exe and their shared runtime) built from installers/pyinstaller/penguin.spec.
;   ISCC.exe /DAppVersion=0.1.0 installers\windows\penguin.iss

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "PenguinMails Desktop"
#define Bundle "..\..\dist\penguin"

[Setup]
; A fixed AppId: upgrades replace the previous version instead of installing beside it.
AppId={{6C1B1E42-5B7D-4C55-9E3A-7A3F2D1C9B10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=PenguinMails
DefaultDirName={autopf}\PenguinMails Desktop
DefaultGroupName={#AppName}
; Per-user install by default (no administrator needed); the dialog offers all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=PenguinMails-Desktop-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\penguin-desktop.exe
; Tells Windows to refresh PATH for new shells when the task below changes it.
ChangesEnvironment=yes

[Tasks]
Name: "addtopath"; Description: "Add the penguin command line to PATH"; Flags: unchecked
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\penguin-desktop.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\penguin-desktop.exe"; Tasks: desktopicon

[Registry]
; Per-user PATH (HKCU); an all-users install would use HKLM's Environment key instead.
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; \
    ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\penguin-desktop.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; \
    Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the installer put there: the agency's data directory is never removed.
Type: filesandordirs; Name: "{app}"

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;
