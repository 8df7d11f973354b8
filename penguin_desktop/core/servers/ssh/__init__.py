"""SSH and SFTP to the agency's servers (paramiko), with host-key pinning."""
